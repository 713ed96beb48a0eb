-- Token bucket, one atomic round trip.
-- KEYS[1]  the bucket's key
-- ARGV[1]  rate: tokens added per window
-- ARGV[2]  window in milliseconds
-- ARGV[3]  burst: the bucket's capacity
-- ARGV[4]  cost of this request in tokens
-- Returns {allowed (0|1), remaining tokens (floor), ms until one more
-- token (0 when allowed), ms until the bucket is full again}.
-- The clock is the server's (TIME), so replicas with skewed clocks share
-- one consistent bucket.
local rate = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local burst = tonumber(ARGV[3])
local cost = tonumber(ARGV[4])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)

local state = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(state[1])
local ts = tonumber(state[2])
if tokens == nil or ts == nil then
  tokens = burst
  ts = now
end
local elapsed = now - ts
if elapsed < 0 then
  elapsed = 0
end
tokens = math.min(burst, tokens + elapsed * rate / window)

local allowed = 0
local retry = 0
if tokens >= cost then
  tokens = tokens - cost
  allowed = 1
else
  retry = math.ceil((cost - tokens) * window / rate)
end
local reset = math.ceil((burst - tokens) * window / rate)
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(now))
redis.call('PEXPIRE', KEYS[1], reset + 1000)
return {allowed, math.floor(tokens), retry, reset}
