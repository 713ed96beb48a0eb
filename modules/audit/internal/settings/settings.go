// Package settings is the audit context's configuration: the keys the
// service seals audit events with (docs/audit.md, "Authenticity"). It is
// parsed from the environment with the platform's config.Parse, so a bad
// value is reported in one line naming the variable.
package settings

import (
	"regexp"
	"strings"

	"github.com/zebralabs/zebra/modules/audit/internal/domain/event"
	"github.com/zebralabs/zebra/platform/config"
)

// macKeysVar is the variable that holds the MAC keys.
const macKeysVar = "AUDIT_MAC_KEYS"

// DevKey seals events when no key is configured outside production: a
// fixed key, so that events recorded in development verify across
// restarts and between processes (serve, worker, `zebra audit verify`).
// It is public in this source, so it authenticates nothing; APP_ENV=prod
// refuses it.
var DevKey = event.Key{ID: "dev", Secret: []byte("dev-insecure-audit-mac-key-change-me")}

// Config holds every audit variable. .env.example documents each.
type Config struct {
	// MACKeys are id:secret pairs separated by commas; the first seals new
	// events, all verify (rotation).
	MACKeys string `env:"AUDIT_MAC_KEYS" secret:"true"`

	// keys caches the parsed MACKeys after Validate.
	keys []event.Key
}

// Keys returns the parsed keys (nil when none are configured).
func (c Config) Keys() []event.Key { return c.keys }

// keyID is what a key id may be: short, and free of the separators.
var keyID = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

// Validate parses the keys. config.Parse calls it.
func (c *Config) Validate() error {
	if strings.TrimSpace(c.MACKeys) == "" {
		return nil
	}
	var keys []event.Key
	for _, pair := range strings.Split(c.MACKeys, ",") {
		id, secret, ok := strings.Cut(strings.TrimSpace(pair), ":")
		if !ok || !keyID.MatchString(id) {
			return problem("each key must be id:secret, the id of letters, digits, '.', '_' or '-' (at most 64)")
		}
		keys = append(keys, event.Key{ID: id, Secret: []byte(secret)})
	}
	if _, err := event.NewKeys(keys...); err != nil {
		return problem(err.Error())
	}
	c.keys = keys
	return nil
}

// RefuseInsecure implements config.ProdChecker: production must not seal
// events with the development key (anyone can forge events with it) nor
// run without a key.
func (c Config) RefuseInsecure() error {
	if len(c.keys) == 0 {
		return problem("no MAC key configured; APP_ENV=prod refuses to start without one (see .env.example)")
	}
	for _, k := range c.keys {
		if string(k.Secret) == string(DevKey.Secret) {
			return problem("key " + k.ID + " is the development key, which APP_ENV=prod refuses")
		}
	}
	return nil
}

func problem(reason string) error {
	return &config.Error{Problems: []config.ProblemError{{Var: macKeysVar, Secret: true, Reason: reason}}}
}
