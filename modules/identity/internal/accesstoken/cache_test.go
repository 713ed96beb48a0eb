package accesstoken_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/zebralabs/zebra/modules/identity/internal/accesstoken"
	"github.com/zebralabs/zebra/platform/auth"
)

// TestVerifiedTokensAnswerLikeVerification: a token verified once is
// answered from the cache, but only inside the window verification would
// accept it in (the same clock and leeway), and never for another token.
func TestVerifiedTokensAnswerLikeVerification(t *testing.T) {
	t.Parallel()
	issued := time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
	now := issued
	p, _ := edPEM(t, "k1")
	s := service(t, p, accesstoken.AlgEdDSA, func() time.Time { return now })
	uid := uuid.Must(uuid.NewV7())
	tok, err := s.Issue(uid, []string{"member"})
	if err != nil {
		t.Fatal(err)
	}
	first, err := s.Verify(context.Background(), tok.Token)
	if err != nil {
		t.Fatal(err)
	}
	first.Roles[0] = auth.RoleAdmin // a caller changing its copy changes nothing cached

	tests := []struct {
		name  string
		at    time.Time
		token string
		ok    bool
	}{
		{"again, at once", issued, tok.Token, true},
		{"just before expiry plus leeway", issued.Add(15*time.Minute + accesstoken.Leeway - time.Second), tok.Token, true},
		{"at expiry plus leeway", issued.Add(15*time.Minute + accesstoken.Leeway), tok.Token, false},
		{"long after expiry", issued.Add(time.Hour), tok.Token, false},
		{"before issued, within leeway", issued.Add(-accesstoken.Leeway + time.Second), tok.Token, true},
		{"before issued, past leeway", issued.Add(-accesstoken.Leeway - time.Second), tok.Token, false},
		{"signature changed", issued, tamperSignature(tok.Token), false},
	}
	for _, tt := range tests {
		now = tt.at
		got, err := s.Verify(context.Background(), tt.token)
		if (err == nil) != tt.ok {
			t.Fatalf("%s: err %v, want ok=%v", tt.name, err, tt.ok)
		}
		if tt.ok && (got.UserID != uid || len(got.Roles) != 1 || got.Roles[0] != auth.RoleMember) {
			t.Fatalf("%s: principal %+v", tt.name, got)
		}
	}
}

// tamperSignature changes the first character of token's signature, which
// carries six whole bits of it. Changing the last characters instead would
// leave the signature as it was once in a while: the last character of an
// unpadded base64 Ed25519 signature carries only four bits, and the two
// replaced ones can already be what replaces them.
func tamperSignature(token string) string {
	i := strings.LastIndexByte(token, '.') + 1
	c := byte('A')
	if token[i] == c {
		c = 'B'
	}
	return token[:i] + string(c) + token[i+1:]
}
