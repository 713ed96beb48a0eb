// Package repotest is the contract every audit store must meet, run
// against the in-memory fake and the Postgres store alike.
package repotest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/zebralabs/zebra/modules/audit/internal/app/query"
	"github.com/zebralabs/zebra/modules/audit/internal/domain/event"
)

// Store is what a store under test provides.
type Store interface {
	event.Repository
	query.EventReader
	query.ChainReader
}

// InTx runs fn in a transaction of the store, as the unit of work would.
type InTx func(ctx context.Context, fn func(ctx context.Context) error) error

// Key is the MAC key of the tests' events; Keys holds it alone.
var Key = event.Key{ID: "test", Secret: []byte("test-audit-mac-key-test-audit-mac-key")}

// Keys seal and verify the tests' events.
var Keys = func() *event.Keys {
	ks, err := event.NewKeys(Key)
	if err != nil {
		panic(err)
	}
	return ks
}()

// NewEvent returns a valid event for entity type/id by actor, sealed with
// Keys as the record command seals it.
func NewEvent(t testing.TB, entityType, entityID, actor, action string) *event.Event {
	t.Helper()
	e, err := event.New(event.Draft{
		ID: uuid.Must(uuid.NewV7()), OccurredAt: time.Now(),
		Actor: actor, Action: action, EntityType: entityType, EntityID: entityID,
		RequestID: "req-" + entityID,
		After:     []byte(`{"id":"` + entityID + `","n":1}`),
		Metadata:  []byte(`{"source":"contract"}`),
	})
	require.NoError(t, err)
	Keys.Seal(e)
	return e
}

// Run runs the contract. newStore must return an empty store.
func Run(t *testing.T, newStore func(t *testing.T) (Store, InTx)) {
	t.Run("appends form one verifiable chain", func(t *testing.T) {
		s, tx := newStore(t)
		ctx := context.Background()
		for i := range 3 {
			e := NewEvent(t, "activity", fmt.Sprint(i), "system", "activity.created")
			require.NoError(t, tx(ctx, func(ctx context.Context) error { return s.Append(ctx, e) }))
		}
		_, err := s.Link(ctx)
		require.NoError(t, err)
		head, err := s.Head(ctx)
		require.NoError(t, err)
		assert.Equal(t, int64(3), head.Seq)
		assert.Equal(t, event.Verification{OK: true, Checked: 3}, verify(t, s))
	})

	t.Run("concurrent appends leave one valid chain", func(t *testing.T) {
		s, tx := newStore(t)
		ctx := context.Background()
		const writers = 20
		var wg sync.WaitGroup
		errs := make(chan error, writers)
		for i := range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				e := NewEvent(t, "activity", fmt.Sprint(i), "system", "activity.updated")
				errs <- tx(ctx, func(ctx context.Context) error { return s.Append(ctx, e) })
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			require.NoError(t, err)
		}
		assert.Equal(t, event.Verification{OK: true, Checked: writers}, verify(t, s))
		var seqs []int64
		require.NoError(t, s.Walk(ctx, writers, func(e *event.Event) bool { seqs = append(seqs, e.Seq()); return true }))
		for i, seq := range seqs {
			assert.Equal(t, int64(i+1), seq)
		}
	})

	t.Run("list filters newest first and pages by id", func(t *testing.T) {
		s, tx := newStore(t)
		ctx := context.Background()
		var all []*event.Event
		for i := range 6 {
			actor := "u1"
			if i%2 == 1 {
				actor = "u2"
			}
			e := NewEvent(t, []string{"activity", "user"}[i%3/2], fmt.Sprint(i%3), actor, []string{"x.created", "x.updated"}[i%2])
			all = append(all, e)
			require.NoError(t, tx(ctx, func(ctx context.Context) error { return s.Append(ctx, e) }))
		}
		tests := []struct {
			name   string
			filter query.Filter
			want   []int
		}{
			{"all", query.Filter{}, []int{5, 4, 3, 2, 1, 0}},
			{"entity type", query.Filter{EntityType: "user"}, []int{5, 2}},
			{"entity", query.Filter{EntityType: "activity", EntityID: "1"}, []int{4, 1}},
			{"actor", query.Filter{Actor: "u2"}, []int{5, 3, 1}},
			{"action", query.Filter{Action: "x.created"}, []int{4, 2, 0}},
			{"actor and action", query.Filter{Actor: "u1", Action: "x.created"}, []int{4, 2, 0}},
			{"nothing", query.Filter{Actor: "nobody"}, nil},
		}
		for _, tt := range tests {
			got, err := s.List(ctx, tt.filter, nil, 10)
			require.NoError(t, err, tt.name)
			assert.Equal(t, ids(all, tt.want), viewIDs(got), tt.name)
		}
		first, err := s.List(ctx, query.Filter{}, nil, 2)
		require.NoError(t, err)
		require.Len(t, first, 2)
		next, err := s.List(ctx, query.Filter{}, &first[1].ID, 10)
		require.NoError(t, err)
		assert.Equal(t, ids(all, []int{3, 2, 1, 0}), viewIDs(next))
		assert.JSONEq(t, `{"id":"0","n":1}`, string(next[3].After))
		assert.Nil(t, next[3].Before)
		assert.Equal(t, all[0].OccurredAt(), next[3].OccurredAt.UTC())
		assert.Equal(t, "req-0", next[3].RequestID)
	})
}

// verify links what waits for the chainer, then recomputes the chain.
func verify(t *testing.T, s Store) event.Verification {
	t.Helper()
	ctx := context.Background()
	_, err := s.Link(ctx)
	require.NoError(t, err)
	head, err := s.Head(ctx)
	require.NoError(t, err)
	v := event.NewVerifier(Keys)
	require.NoError(t, s.Walk(ctx, head.Seq, v.Check))
	return v.Finish(head)
}

func ids(all []*event.Event, idx []int) []uuid.UUID {
	out := []uuid.UUID{}
	for _, i := range idx {
		out = append(out, all[i].ID())
	}
	return out
}

func viewIDs(views []query.EventView) []uuid.UUID {
	out := []uuid.UUID{}
	for _, v := range views {
		out = append(out, v.ID)
	}
	return out
}
