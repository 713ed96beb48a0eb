package command_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/zebralabs/zebra/modules/audit/internal/app/command"
	"github.com/zebralabs/zebra/modules/audit/internal/app/query"
	"github.com/zebralabs/zebra/modules/audit/internal/domain/event"
	"github.com/zebralabs/zebra/modules/audit/internal/memory"
	"github.com/zebralabs/zebra/modules/audit/internal/repotest"
	"github.com/zebralabs/zebra/platform/auditlog"
	"github.com/zebralabs/zebra/platform/requestid"
)

// fakeTx is a unit of work whose before-commit hooks run when the
// outermost fn succeeds; nested calls join it.
type fakeTx struct {
	depth int
	hooks []func(context.Context) error
}

func (f *fakeTx) Do(ctx context.Context, fn func(context.Context) error) error {
	f.depth++
	err := fn(ctx)
	f.depth--
	if f.depth > 0 || err != nil {
		if f.depth == 0 {
			f.hooks = nil
		}
		return err
	}
	defer func() { f.hooks = nil }()
	for _, h := range f.hooks {
		if err := h(ctx); err != nil {
			return err
		}
	}
	return nil
}

func (f *fakeTx) BeforeCommit(_ context.Context, fn func(context.Context) error) error {
	f.hooks = append(f.hooks, fn)
	return nil
}

var fixedNow = time.Date(2026, 1, 2, 3, 4, 5, 6000, time.UTC)

func newHandler(timing command.LockTiming) (*command.RecordEventHandler, *memory.Store, *fakeTx) {
	store := memory.New()
	tx := &fakeTx{}
	return command.NewRecordEventHandler(tx, store, repotest.Keys, func() time.Time { return fixedNow }, timing), store, tx
}

func listAll(t *testing.T, s *memory.Store) []query.EventView {
	t.Helper()
	views, err := s.List(context.Background(), query.Filter{}, nil, 100)
	require.NoError(t, err)
	return views
}

func TestRecordFillsDefaultsAndRedacts(t *testing.T) {
	t.Parallel()
	h, store, _ := newHandler(command.LockAtCommit)
	ctx := requestid.With(context.Background(), "req-42")
	type user struct {
		Email        string `json:"email"`
		PasswordHash string `json:"passwordHash"`
	}
	err := h.Record(ctx, auditlog.Event{
		Actor: "system", Action: "user.signed_up", EntityType: "user", EntityID: "u1",
		Before:   nil,
		After:    user{Email: "a@b.c", PasswordHash: "$argon2id$secret"},
		Metadata: map[string]any{"ip": "1.2.3.4", "headers": map[string]any{"Authorization": "Bearer x"}, "refreshToken": "r"},
	})
	require.NoError(t, err)
	views := listAll(t, store)
	require.Len(t, views, 1)
	v := views[0]
	assert.NotEqual(t, uuid.Nil, v.ID)
	assert.Equal(t, uuid.Version(7), v.ID.Version())
	assert.Equal(t, fixedNow, v.OccurredAt)
	assert.Equal(t, "req-42", v.RequestID)
	assert.Nil(t, v.Before)
	assert.JSONEq(t, `{"email":"a@b.c"}`, string(v.After))
	assert.JSONEq(t, `{"ip":"1.2.3.4","headers":{}}`, string(v.Metadata))
	assert.NotContains(t, string(v.After)+string(v.Metadata), "secret")

	var sealed []*event.Event
	require.NoError(t, store.Walk(context.Background(), 1, func(e *event.Event) bool { sealed = append(sealed, e); return true }))
	require.Len(t, sealed, 1)
	assert.Equal(t, repotest.Key.ID, sealed[0].MACKeyID())
	assert.True(t, repotest.Keys.Authentic(sealed[0]), "the recorded event is sealed with the signing key")
}

func TestRecordKeepsGivenValues(t *testing.T) {
	t.Parallel()
	h, store, _ := newHandler(command.LockAtRecord)
	given := uuid.Must(uuid.NewV7())
	at := time.Date(2025, 5, 5, 5, 5, 5, 0, time.UTC)
	err := h.Record(requestid.With(context.Background(), "ctx-req"), auditlog.Event{
		ID: given, OccurredAt: at, RequestID: "explicit", Actor: "u", Action: "a.b", EntityType: "t",
		Before: json.RawMessage(`{"title":"old"}`),
	})
	require.NoError(t, err)
	v := listAll(t, store)[0]
	assert.Equal(t, given, v.ID)
	assert.Equal(t, at, v.OccurredAt)
	assert.Equal(t, "explicit", v.RequestID)
	assert.JSONEq(t, `{"title":"old"}`, string(v.Before))
}

func TestRecordRejectsInvalidEventsBeforeWriting(t *testing.T) {
	t.Parallel()
	h, store, _ := newHandler(command.LockAtCommit)
	err := h.Record(context.Background(), auditlog.Event{Actor: "system", EntityType: "user"})
	assert.ErrorIs(t, err, event.ErrInvalid)
	err = h.Record(context.Background(), auditlog.Event{Actor: "system", Action: "a.b", EntityType: "user", After: make(chan int)})
	assert.Error(t, err)
	assert.Empty(t, listAll(t, store))
}

func TestRecordAtCommitWritesNothingWhenTheCommandFails(t *testing.T) {
	t.Parallel()
	h, store, tx := newHandler(command.LockAtCommit)
	boom := errors.New("boom")
	err := tx.Do(context.Background(), func(ctx context.Context) error {
		require.NoError(t, h.Record(ctx, auditlog.Event{Actor: "system", Action: "a.b", EntityType: "t"}))
		return boom
	})
	assert.ErrorIs(t, err, boom)
	assert.Empty(t, listAll(t, store))
}

func TestRecordAtCommitAppendsInOrder(t *testing.T) {
	t.Parallel()
	h, store, _ := newHandler(command.LockAtCommit)
	for _, action := range []string{"a.first", "a.second"} {
		require.NoError(t, h.Record(context.Background(), auditlog.Event{Actor: "system", Action: action, EntityType: "t"}))
	}
	head, err := store.Head(context.Background())
	require.NoError(t, err)
	assert.Equal(t, int64(2), head.Seq)
}
