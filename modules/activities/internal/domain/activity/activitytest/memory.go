// Package activitytest provides an in-memory activity.Repository for
// application tests and the contract suite that every Repository, fake or
// real, must pass, so the fake cannot drift from the Postgres adapter.
package activitytest

import (
	"context"
	"fmt"
	"sync"

	"github.com/google/uuid"

	"github.com/zebralabs/zebra/modules/activities/internal/domain/activity"
)

// Memory is an in-memory activity.Repository with the same optimistic
// concurrency as the real one: Update runs fn without holding the lock and
// saves only if the stored version is still the one fn saw.
type Memory struct {
	mu   sync.Mutex
	rows map[uuid.UUID]activity.State
}

var _ activity.Repository = (*Memory)(nil)

// NewMemory returns an empty repository.
func NewMemory() *Memory { return &Memory{rows: map[uuid.UUID]activity.State{}} }

// Add implements activity.Repository.
func (m *Memory) Add(_ context.Context, a *activity.Activity) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.rows[a.ID()]; ok {
		return fmt.Errorf("activity %s already exists", a.ID())
	}
	m.rows[a.ID()] = a.State()
	return nil
}

// Update implements activity.Repository.
func (m *Memory) Update(_ context.Context, id uuid.UUID, fn func(*activity.Activity) error) error {
	m.mu.Lock()
	s, ok := m.rows[id]
	m.mu.Unlock()
	if !ok || s.DeletedAt != nil {
		return activity.ErrNotFound
	}
	a := activity.Rebuild(s)
	if err := fn(a); err != nil {
		return err
	}
	if len(a.Events()) == 0 {
		return nil
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.rows[id].Version != s.Version {
		return activity.ErrVersionMismatch
	}
	m.rows[id] = a.State()
	return nil
}

// Len returns how many activities are stored, deleted ones included.
func (m *Memory) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.rows)
}
