package password_test

import (
	"strings"
	"testing"
	"time"

	"github.com/zebralabs/zebra/modules/identity/internal/password"
)

// cheap keeps unit tests fast; the benchmark uses the real parameters.
var cheap = password.Params{MemoryKiB: 64, Iterations: 1, Parallelism: 1}

func TestHashAndVerify(t *testing.T) {
	t.Parallel()
	h, err := password.New(cheap, 2)
	if err != nil {
		t.Fatal(err)
	}
	enc, err := h.Hash("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(enc, "$argon2id$v=19$m=64,t=1,p=1$") || strings.Contains(enc, "correct horse") {
		t.Fatalf("unexpected encoding %q", enc)
	}
	again, _ := h.Hash("correct horse battery")
	if again == enc {
		t.Fatal("two hashes of one password must differ (salt)")
	}
	tests := []struct {
		pw, enc string
		want    bool
	}{
		{"correct horse battery", enc, true},
		{"correct horse batterY", enc, false},
		{"correct horse battery", "", false},
	}
	for _, tt := range tests {
		got, err := h.Verify(tt.pw, tt.enc)
		if err != nil || got != tt.want {
			t.Errorf("Verify(%q) = %v, %v; want %v", tt.pw, got, err, tt.want)
		}
	}
}

func TestOWASPDefaultsAndSimilarTiming(t *testing.T) {
	t.Parallel()
	if password.OWASP != (password.Params{MemoryKiB: 19456, Iterations: 2, Parallelism: 1}) {
		t.Fatalf("OWASP params changed: %+v", password.OWASP)
	}
	h, err := password.New(password.OWASP, 1)
	if err != nil {
		t.Fatal(err)
	}
	enc, _ := h.Hash("a real password!")
	measure := func(f func()) time.Duration {
		best := time.Hour
		for range 3 {
			start := time.Now()
			f()
			best = min(best, time.Since(start))
		}
		return best
	}
	real := measure(func() { _, _ = h.Verify("wrong password!!", enc) })
	burn := measure(func() { h.Burn("wrong password!!") })
	ratio := float64(burn) / float64(real)
	if ratio < 0.5 || ratio > 2 {
		t.Fatalf("unknown-account path takes %v, wrong-password path %v: not similar", burn, real)
	}
}

func TestRejectsBadParams(t *testing.T) {
	t.Parallel()
	if _, err := password.New(password.Params{MemoryKiB: 1, Iterations: 0, Parallelism: 1}, 1); err == nil {
		t.Fatal("New accepted t=0")
	}
}

// BenchmarkHashOWASP measures one argon2id hash with the default
// parameters (the figure in docs/identity.md).
func BenchmarkHashOWASP(b *testing.B) {
	h, err := password.New(password.OWASP, 1)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := h.Hash("benchmark password"); err != nil {
			b.Fatal(err)
		}
	}
}
