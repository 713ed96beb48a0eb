// Package lockout throttles failed logins in Redis, per account and per
// client IP, so the limit holds across every replica. A key counts the
// failures of a window that starts with the first failure; reaching the
// maximum locks the account (or IP) for the lockout duration from that
// failure on. A successful login clears the account's count.
package lockout

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/zebralabs/zebra/modules/identity/internal/app/command"
	"github.com/zebralabs/zebra/platform/redisdb"
)

// Limits configure the throttle.
type Limits struct {
	MaxPerAccount int
	MaxPerIP      int
	// Lockout is both the counting window and the lock duration.
	Lockout time.Duration
}

// Throttle implements command.LoginThrottle.
type Throttle struct {
	rdb    redis.UniversalClient
	keys   redisdb.Keyspace
	limits Limits
}

var _ command.LoginThrottle = (*Throttle)(nil)

// New returns a throttle storing its counters under keys.
func New(rdb redis.UniversalClient, keys redisdb.Keyspace, limits Limits) *Throttle {
	return &Throttle{rdb: rdb, keys: keys, limits: limits}
}

// failScript increments both counters in one round trip. A counter gets
// its expiry on the first failure of a window, and again (the full
// lockout) on the failure that reaches the maximum. It returns, per key,
// the count and whether this failure started a lock.
var failScript = redis.NewScript(`
local out = {}
for i, key in ipairs(KEYS) do
  local max = tonumber(ARGV[i + 1])
  local n = redis.call('INCR', key)
  if n == 1 or n == max then
    redis.call('PEXPIRE', key, ARGV[1])
  end
  out[i] = (n == max) and 1 or 0
end
return out
`)

// Blocked returns the longer remaining lock of the account and the IP.
func (t *Throttle) Blocked(ctx context.Context, account, ip string) (time.Duration, error) {
	acct, ipKey := t.accountKey(account), t.ipKey(ip)
	pipe := t.rdb.Pipeline()
	counts := pipe.MGet(ctx, acct, ipKey)
	ttlAcct := pipe.PTTL(ctx, acct)
	ttlIP := pipe.PTTL(ctx, ipKey)
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return 0, fmt.Errorf("read login throttle: %w", err)
	}
	vals := counts.Val()
	var wait time.Duration
	if count(vals[0]) >= t.limits.MaxPerAccount {
		wait = max(wait, ttlAcct.Val())
	}
	if ip != "" && count(vals[1]) >= t.limits.MaxPerIP {
		wait = max(wait, ttlIP.Val())
	}
	return wait, nil
}

// Failed counts a failure against the account and the IP.
func (t *Throttle) Failed(ctx context.Context, account, ip string) ([]command.Lockout, error) {
	keys := []string{t.accountKey(account)}
	args := []any{t.limits.Lockout.Milliseconds(), t.limits.MaxPerAccount}
	if ip != "" {
		keys = append(keys, t.ipKey(ip))
		args = append(args, t.limits.MaxPerIP)
	}
	res, err := failScript.Run(ctx, t.rdb, keys, args...).Int64Slice()
	if err != nil {
		return nil, fmt.Errorf("count failed login: %w", err)
	}
	var out []command.Lockout
	scopes := []string{"account", "ip"}
	for i, started := range res {
		if started == 1 {
			out = append(out, command.Lockout{Scope: scopes[i], For: t.limits.Lockout})
		}
	}
	return out, nil
}

// Succeeded clears the account's failures.
func (t *Throttle) Succeeded(ctx context.Context, account string) error {
	return t.rdb.Del(ctx, t.accountKey(account)).Err()
}

// accountKey hashes the email so Redis holds no addresses.
func (t *Throttle) accountKey(account string) string {
	sum := sha256.Sum256([]byte(account))
	return t.keys.Key("identity", "login", "account", hex.EncodeToString(sum[:16]))
}

func (t *Throttle) ipKey(ip string) string {
	return t.keys.Key("identity", "login", "ip", ip)
}

func count(v any) int {
	s, ok := v.(string)
	if !ok {
		return 0
	}
	var n int
	_, _ = fmt.Sscan(s, &n)
	return n
}
