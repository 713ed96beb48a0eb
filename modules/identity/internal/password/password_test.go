package password_test

import (
	"strings"
	"testing"

	"github.com/alexedwards/argon2id"

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

// TestOWASPDefaultsAndSimilarWork: a login naming no account verifies
// the dummy hash, whose argon2id parameters are those of real hashes, so
// both paths do the same work (argon2id's cost depends only on them). The
// times themselves are compared by BenchmarkVerifyWrongPassword and
// BenchmarkBurn, not by a timed unit test on a shared machine.
func TestOWASPDefaultsAndSimilarWork(t *testing.T) {
	t.Parallel()
	if password.OWASP != (password.Params{MemoryKiB: 19456, Iterations: 2, Parallelism: 1}) {
		t.Fatalf("OWASP params changed: %+v", password.OWASP)
	}
	h, err := password.New(password.OWASP, 1)
	if err != nil {
		t.Fatal(err)
	}
	enc, err := h.Hash("a real password!")
	if err != nil {
		t.Fatal(err)
	}
	real, _, _, err := argon2id.DecodeHash(enc)
	if err != nil {
		t.Fatal(err)
	}
	dummy, _, _, err := argon2id.DecodeHash(h.DummyHash())
	if err != nil {
		t.Fatal(err)
	}
	if *real != *dummy {
		t.Fatalf("dummy hash parameters %+v differ from real ones %+v", *dummy, *real)
	}
}

func BenchmarkVerifyWrongPassword(b *testing.B) {
	h, err := password.New(password.OWASP, 1)
	if err != nil {
		b.Fatal(err)
	}
	enc, _ := h.Hash("a real password!")
	for b.Loop() {
		_, _ = h.Verify("wrong password!!", enc)
	}
}

func BenchmarkBurn(b *testing.B) {
	h, err := password.New(password.OWASP, 1)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		h.Burn("wrong password!!")
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
