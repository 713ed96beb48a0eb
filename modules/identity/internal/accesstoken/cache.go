package accesstoken

import (
	"slices"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/zebralabs/zebra/platform/auth"
)

// cacheSize bounds the verified tokens remembered (about 600 bytes each):
// a client sends the same access token for its whole 15-minute life, so a
// few thousand cover every active client of a replica.
const cacheSize = 4096

// tokenCache remembers tokens whose signature and claims were verified,
// so that the next requests with the same token skip the signature check
// (an Ed25519 or ES256 verification is the largest CPU cost of a cached
// read: docs/performance.md), as API gateways do (e.g. Envoy's JWT cache).
// Only fully verified tokens enter it, keyed by the whole token, and an
// entry answers only inside the validity window its claims gave, so a hit
// answers exactly what verification would: expiry, not-before and
// issued-at are still enforced, by the same clock and leeway. When full it
// starts over (a burst of re-verification, never a wrong answer).
type tokenCache struct {
	mu      sync.RWMutex
	entries map[string]cachedToken
}

type cachedToken struct {
	principal   auth.Principal
	from, until time.Time
}

// get returns the principal of raw if it was verified and now is inside
// its validity window.
func (c *tokenCache) get(raw string, now time.Time) (auth.Principal, bool) {
	c.mu.RLock()
	e, ok := c.entries[raw]
	c.mu.RUnlock()
	if !ok || now.Before(e.from) || !now.Before(e.until) {
		return auth.Principal{}, false
	}
	p := e.principal
	p.Roles = slices.Clone(p.Roles)
	return p, true
}

// put remembers a verified token valid from from until until.
func (c *tokenCache) put(raw string, p auth.Principal, from, until time.Time) {
	if !from.Before(until) {
		return
	}
	p.Roles = slices.Clone(p.Roles)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries == nil || len(c.entries) >= cacheSize {
		c.entries = make(map[string]cachedToken, cacheSize)
	}
	c.entries[raw] = cachedToken{principal: p, from: from, until: until}
}

// window is the span in which the parser accepts claims: from the later of
// iat and nbf, less the leeway, to exp plus the leeway.
func window(c Claims) (from, until time.Time) {
	if c.ExpiresAt == nil {
		return time.Time{}, time.Time{}
	}
	for _, d := range []*time.Time{timeOf(c.IssuedAt), timeOf(c.NotBefore)} {
		if d != nil && d.After(from) {
			from = *d
		}
	}
	return from.Add(-Leeway), c.ExpiresAt.Add(Leeway)
}

func timeOf(d *jwt.NumericDate) *time.Time {
	if d == nil {
		return nil
	}
	return &d.Time
}
