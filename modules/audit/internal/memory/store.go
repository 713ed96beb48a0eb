// Package memory is an in-memory audit store for the application layer's
// unit tests. The repository contract suite (repotest) runs against it and
// against the Postgres store, which keeps this fake honest.
package memory

import (
	"context"
	"slices"
	"sync"

	"github.com/google/uuid"

	"github.com/zebralabs/zebra/modules/audit/internal/app/query"
	"github.com/zebralabs/zebra/modules/audit/internal/domain/event"
)

// Store holds events in a slice, in chain order.
type Store struct {
	mu     sync.Mutex
	events []*event.Event
	head   event.Link
}

var (
	_ event.Repository  = (*Store)(nil)
	_ query.EventReader = (*Store)(nil)
	_ query.ChainReader = (*Store)(nil)
)

// New returns an empty store.
func New() *Store { return &Store{head: event.Start()} }

// Append chains and stores events under the store's lock (the Postgres
// store queues them for its chainer instead; Link makes the difference
// invisible to the contract).
func (s *Store) Append(_ context.Context, events ...*event.Event) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, e := range events {
		s.head = e.Chain(s.head)
		s.events = append(s.events, e)
	}
	return nil
}

// List returns matching events, newest (highest id) first.
func (s *Store) List(_ context.Context, f query.Filter, before *uuid.UUID, limit int) ([]query.EventView, error) {
	s.mu.Lock()
	sorted := slices.Clone(s.events)
	s.mu.Unlock()
	slices.SortFunc(sorted, func(a, b *event.Event) int { return -compareUUID(a.ID(), b.ID()) })
	out := []query.EventView{}
	for _, e := range sorted {
		if len(out) == limit {
			break
		}
		if before != nil && compareUUID(e.ID(), *before) >= 0 {
			continue
		}
		if !matches(f, e) {
			continue
		}
		out = append(out, View(e))
	}
	return out, nil
}

// Head returns the end of the chain.
func (s *Store) Head(context.Context) (event.Link, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.head, nil
}

// Link implements query.ChainReader: the fake chains at Append, so nothing
// ever waits.
func (s *Store) Link(context.Context) (int, error) { return 0, nil }

// Unchained implements query.ChainReader: every event is chained.
func (s *Store) Unchained(context.Context) (uuid.UUID, error) { return uuid.Nil, nil }

// Walk calls fn for events up to upTo in chain order.
func (s *Store) Walk(_ context.Context, upTo int64, fn func(*event.Event) bool) error {
	s.mu.Lock()
	events := slices.Clone(s.events)
	s.mu.Unlock()
	for _, e := range events {
		if e.Seq() > upTo || !fn(e) {
			return nil
		}
	}
	return nil
}

// View maps an event to the list's view.
func View(e *event.Event) query.EventView {
	return query.EventView{
		ID: e.ID(), OccurredAt: e.OccurredAt(), Actor: e.Actor(), Action: e.Action(),
		EntityType: e.EntityType(), EntityID: e.EntityID(), RequestID: e.RequestID(),
		Before: e.Before(), After: e.After(), Metadata: e.Metadata(),
	}
}

func matches(f query.Filter, e *event.Event) bool {
	return (f.EntityType == "" || f.EntityType == e.EntityType()) &&
		(f.EntityID == "" || f.EntityID == e.EntityID()) &&
		(f.Actor == "" || f.Actor == e.Actor()) &&
		(f.Action == "" || f.Action == e.Action())
}

func compareUUID(a, b uuid.UUID) int { return slices.Compare(a[:], b[:]) }
