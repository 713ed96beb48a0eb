package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/zebralabs/zebra/modules/identity/internal/domain/token"
	"github.com/zebralabs/zebra/modules/identity/internal/postgres"
)

func TestCleanupKeepsLiveFamiliesAndTokens(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := newDB(t)
	users, tokens := postgres.NewUsers(db), postgres.NewTokens(db)
	u := newUser(t, "ada@example.com")
	if err := users.Add(ctx, u); err != nil {
		t.Fatal(err)
	}
	id := func() uuid.UUID { return uuid.Must(uuid.NewV7()) }
	old := now.Add(-72 * time.Hour)
	dead, deadTok := token.StartFamily(id(), id(), u.ID(), old, time.Hour)
	live, liveTok := token.StartFamily(id(), id(), u.ID(), now, time.Hour)
	for _, f := range []struct {
		f *token.Family
		t token.Issued
	}{{dead, deadTok}, {live, liveTok}} {
		if err := tokens.AddFamily(ctx, f.f, f.t.Token); err != nil {
			t.Fatal(err)
		}
	}
	expired, _ := token.NewOneTime(id(), u.ID(), token.PurposeVerifyEmail, old, time.Hour)
	valid, validSecret := token.NewOneTime(id(), u.ID(), token.PurposeVerifyEmail, now, time.Hour)
	for _, o := range []*token.OneTime{expired, valid} {
		if err := tokens.AddOneTime(ctx, o); err != nil {
			t.Fatal(err)
		}
	}
	// The dead family (its token goes by cascade) and the expired one-time token.
	n, err := postgres.NewCleanupJob(db, time.Hour, nil).Sweep(ctx, now)
	if err != nil || n != 2 {
		t.Fatalf("Sweep = %d, %v; want 2", n, err)
	}
	if _, _, err := tokens.ByHash(ctx, deadTok.Token.Hash); err == nil {
		t.Fatal("dead family survived")
	}
	if _, _, err := tokens.ByHash(ctx, liveTok.Token.Hash); err != nil {
		t.Fatalf("live family deleted: %v", err)
	}
	if _, err := tokens.OneTimeByHash(ctx, token.PurposeVerifyEmail, token.HashOf(validSecret)); err != nil {
		t.Fatalf("valid one-time token deleted: %v", err)
	}
	if _, err := tokens.OneTimeByHash(ctx, token.PurposeVerifyEmail, expired.Hash); err == nil {
		t.Fatal("expired one-time token survived")
	}
}
