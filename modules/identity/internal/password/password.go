// Package password hashes passwords with argon2id (RFC 9106) in the PHC
// string format, so every stored hash carries its own parameters and the
// parameters can be raised without invalidating old hashes.
package password

import (
	"fmt"
	"runtime"

	"github.com/alexedwards/argon2id"
)

// Params are the argon2id cost parameters. The defaults are OWASP's
// minimum recommendation: m=19 MiB, t=2, p=1.
type Params struct {
	MemoryKiB   uint32
	Iterations  uint32
	Parallelism uint8
}

// OWASP is the OWASP Password Storage Cheat Sheet's argon2id setting.
var OWASP = Params{MemoryKiB: 19 * 1024, Iterations: 2, Parallelism: 1}

// Hasher hashes and verifies passwords. It bounds how many hashes run at
// once: each holds MemoryKiB of memory and a core, so a burst of logins
// queues instead of exhausting memory.
type Hasher struct {
	params *argon2id.Params
	slots  chan struct{}
	// dummy is a hash of a random password with the same parameters,
	// verified when a login names an unknown account so that both paths
	// cost the same time.
	dummy string
}

// New returns a hasher with p; concurrency 0 means twice the CPUs.
func New(p Params, concurrency int) (*Hasher, error) {
	if p.MemoryKiB < 8*uint32(p.Parallelism) || p.Iterations < 1 || p.Parallelism < 1 {
		return nil, fmt.Errorf("argon2id parameters out of range: %+v", p)
	}
	if concurrency <= 0 {
		concurrency = 2 * runtime.GOMAXPROCS(0)
	}
	h := &Hasher{
		params: &argon2id.Params{
			Memory: p.MemoryKiB, Iterations: p.Iterations, Parallelism: p.Parallelism,
			SaltLength: 16, KeyLength: 32,
		},
		slots: make(chan struct{}, concurrency),
	}
	dummy, err := argon2id.CreateHash("dummy password for unknown accounts", h.params)
	if err != nil {
		return nil, fmt.Errorf("create dummy hash: %w", err)
	}
	h.dummy = dummy
	return h, nil
}

// Hash returns the PHC-encoded argon2id hash of pw with a fresh salt.
func (h *Hasher) Hash(pw string) (string, error) {
	h.acquire()
	defer h.release()
	return argon2id.CreateHash(pw, h.params)
}

// Verify reports whether pw matches encoded, in constant time for the
// comparison itself. An empty encoded hash (an account without a local
// password) is checked against the dummy hash and never matches, so it
// costs as much as a real check.
func (h *Hasher) Verify(pw, encoded string) (bool, error) {
	h.acquire()
	defer h.release()
	if encoded == "" {
		_, _ = argon2id.ComparePasswordAndHash(pw, h.dummy)
		return false, nil
	}
	return argon2id.ComparePasswordAndHash(pw, encoded)
}

// Burn spends the time of one verification without a real hash, for
// logins that name no account.
func (h *Hasher) Burn(pw string) {
	_, _ = h.Verify(pw, "")
}

func (h *Hasher) acquire() { h.slots <- struct{}{} }
func (h *Hasher) release() { <-h.slots }
