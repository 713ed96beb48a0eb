package token_test

import (
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/zebralabs/zebra/modules/identity/internal/domain/token"
)

var now = time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)

func newID() uuid.UUID { return uuid.Must(uuid.NewV7()) }

func TestSecretsAreRandomAndOnlyHashesKept(t *testing.T) {
	t.Parallel()
	s1, h1 := token.NewSecret()
	s2, h2 := token.NewSecret()
	if s1 == s2 || h1 == h2 {
		t.Fatal("two secrets are equal")
	}
	if len(s1) < 43 {
		t.Fatalf("secret too short: %d characters", len(s1))
	}
	if token.HashOf(s1) != h1 {
		t.Fatal("HashOf does not match the issued hash")
	}
}

func TestRotateIssuesSuccessorInSameFamily(t *testing.T) {
	t.Parallel()
	f, first := token.StartFamily(newID(), newID(), newID(), now, time.Hour)
	next, err := f.Rotate(first.Token, newID(), now.Add(time.Minute), time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if next.Token.FamilyID != f.ID || next.Token.UserID != f.UserID || next.Secret == first.Secret {
		t.Fatalf("successor %+v", next.Token)
	}
	if first.Token.UsedAt == nil {
		t.Fatal("the presented token must be spent")
	}
	if !next.Token.ExpiresAt.Equal(now.Add(time.Minute + time.Hour)) {
		t.Fatalf("successor expires at %v", next.Token.ExpiresAt)
	}
}

func TestRotateRules(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		prepare     func(f *token.Family, t *token.Refresh)
		at          time.Duration
		want        error
		wantRevoked bool
	}{
		{"spent token is reuse and revokes", func(f *token.Family, r *token.Refresh) { u := now; r.UsedAt = &u }, time.Minute, token.ErrReused, true},
		{"spent token after expiry is still reuse", func(f *token.Family, r *token.Refresh) { u := now; r.UsedAt = &u }, 2 * time.Hour, token.ErrReused, true},
		{"spent token in revoked family is reuse", func(f *token.Family, r *token.Refresh) { u := now; r.UsedAt = &u; f.Revoke(token.ReasonLogout, now) }, time.Minute, token.ErrReused, true},
		{"revoked family", func(f *token.Family, r *token.Refresh) { f.Revoke(token.ReasonLogout, now) }, time.Minute, token.ErrRevoked, true},
		{"expired", func(f *token.Family, r *token.Refresh) {}, time.Hour, token.ErrExpired, false},
	}
	for _, tt := range tests {
		f, first := token.StartFamily(newID(), newID(), newID(), now, time.Hour)
		tt.prepare(f, first.Token)
		_, err := f.Rotate(first.Token, newID(), now.Add(tt.at), time.Hour)
		if !errors.Is(err, tt.want) || f.Revoked() != tt.wantRevoked {
			t.Errorf("%s: err %v revoked %v; want %v revoked %v", tt.name, err, f.Revoked(), tt.want, tt.wantRevoked)
		}
	}
}

func TestRevokeKeepsFirstReason(t *testing.T) {
	t.Parallel()
	f, _ := token.StartFamily(newID(), newID(), newID(), now, time.Hour)
	if !f.Revoke(token.ReasonReuse, now) || f.Revoke(token.ReasonLogout, now) || f.RevokeReason != token.ReasonReuse {
		t.Fatalf("reason %q", f.RevokeReason)
	}
}

func TestOneTimeIsSingleUseAndExpires(t *testing.T) {
	t.Parallel()
	o, secret := token.NewOneTime(newID(), newID(), token.PurposeVerifyEmail, now, time.Hour)
	if token.HashOf(secret) != o.Hash {
		t.Fatal("hash mismatch")
	}
	if err := o.Consume(now.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := o.Consume(now.Add(2 * time.Minute)); !errors.Is(err, token.ErrInvalid) {
		t.Fatalf("second use: %v", err)
	}
	expired, _ := token.NewOneTime(newID(), newID(), token.PurposeResetPassword, now, time.Hour)
	if err := expired.Consume(now.Add(time.Hour)); !errors.Is(err, token.ErrInvalid) {
		t.Fatalf("expired use: %v", err)
	}
}
