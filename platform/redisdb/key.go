package redisdb

import (
	"strings"

	"github.com/zebralabs/zebra/platform/config"
)

// Keyspace names keys under the configured REDIS_PREFIX. platform.Module
// provides one; every key and stream name goes through it, so tests and
// deployments that share a server never collide.
type Keyspace struct {
	prefix string
}

// NewKeyspace returns the keyspace of cfg.Prefix.
func NewKeyspace(cfg config.Redis) Keyspace { return Keyspace{prefix: cfg.Prefix} }

// Key joins parts with ":" under the prefix, which carries its own
// separator (REDIS_PREFIX defaults to "zebra:"): Key("ratelimit", "ip",
// "10.0.0.1") is "zebra:ratelimit:ip:10.0.0.1".
func (k Keyspace) Key(parts ...string) string { return k.prefix + strings.Join(parts, ":") }

// Prefix is the prefix itself, e.g. for a SCAN MATCH pattern.
func (k Keyspace) Prefix() string { return k.prefix }
