package accesstoken_test

import (
	"context"
	"crypto/ed25519"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/zebralabs/zebra/modules/identity/internal/accesstoken"
	"github.com/zebralabs/zebra/platform/apperr"
	"github.com/zebralabs/zebra/platform/auth"
)

// The fuzzing service signs with a key derived from a fixed seed and runs
// on a fixed clock, so the tokens in testdata/fuzz/FuzzVerify stay valid
// (or expired, or not yet valid) forever and the fuzzer mutates real ones.
var (
	fuzzNow    = time.Date(2026, 11, 26, 10, 4, 5, 0, time.UTC)
	fuzzSeed   = []byte("zebra-fuzz-seed-0123456789abcdef") // 32 bytes
	fuzzUser   = uuid.MustParse("01928c4e-7a1b-7c3d-9e8f-0a1b2c3d4e5f")
	fuzzAdmin  = uuid.MustParse("01928c4e-7a1b-7c3d-9e8f-0a1b2c3d4e60")
	fuzzIssued = map[uuid.UUID][]auth.Role{
		fuzzUser:  {auth.RoleMember},
		fuzzAdmin: {auth.RoleAdmin},
	}
)

func fuzzService(t testing.TB, now time.Time) *accesstoken.Service {
	t.Helper()
	priv := ed25519.NewKeyFromSeed(fuzzSeed)
	set, err := accesstoken.NewKeyset(accesstoken.AlgEdDSA, []accesstoken.Key{{
		ID: "fuzz-1", Alg: accesstoken.AlgEdDSA, Public: priv.Public(), Private: priv,
	}})
	if err != nil {
		t.Fatal(err)
	}
	return accesstoken.New(set, accesstoken.Options{
		Issuer: iss, Audience: aud, TTL: 15 * time.Minute, Now: func() time.Time { return now },
	})
}

// FuzzVerify feeds arbitrary strings, and mutations of real tokens, to the
// access-token verifier: it never panics, every rejection is unauthorized,
// and it accepts nothing but a token our key signed: whatever the fuzzer
// changes (alg, kid, jku, claims, signature, encoding), an accepted token
// names exactly a user and roles we issued, never one it made up.
func FuzzVerify(f *testing.F) {
	s := fuzzService(f, fuzzNow)
	for id, roles := range fuzzIssued {
		names := make([]string, len(roles))
		for i, r := range roles {
			names[i] = string(r)
		}
		tok, err := s.Issue(id, names)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(tok.Token)
	}
	f.Add("")
	f.Add("a.b.c")
	f.Fuzz(func(t *testing.T, raw string) {
		p, err := s.Verify(context.Background(), raw)
		if err != nil {
			if apperr.CodeOf(err) != apperr.CodeUnauthorized {
				t.Fatalf("Verify(%q) = %v, want unauthorized", raw, err)
			}
			return
		}
		want, issued := fuzzIssued[p.UserID]
		if !issued || !slices.Equal(p.Roles, want) {
			t.Fatalf("Verify(%q) accepted a forged principal %+v", raw, p)
		}
	})
}
