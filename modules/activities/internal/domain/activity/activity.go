// Package activity is the activities context's domain: the Activity
// aggregate with its invariants (title and description rules, the status
// state machine, soft deletion, versioning), the events it records, and
// the repository port the application layer saves it through.
//
// It depends on the standard library and uuid only, so the rules can be
// read, and tested exhaustively, without a database or an HTTP server.
package activity

import (
	"errors"
	"slices"
	"time"

	"github.com/google/uuid"
)

// Activity is the aggregate. Its fields are unexported: every change goes
// through a method that keeps the invariants, bumps the version once and
// records what happened.
type Activity struct {
	s      State
	events []Event
}

// Draft is what New needs to start an activity.
type Draft struct {
	ID      uuid.UUID
	OwnerID uuid.UUID
	Title   string
	// Description is optional: nil means none.
	Description *string
	// Status defaults to StatusPlanned when empty.
	Status Status
	// At is the creation time; the creator is the owner.
	At time.Time
}

// New validates d and returns a new activity at version 1, recording a
// Created event. It reports every field that breaks a rule, as
// *ValidationErrors joined (errors.As finds the first).
func New(d Draft) (*Activity, error) {
	title, titleErr := normalizeTitle(d.Title)
	if err := errors.Join(titleErr, checkDescription(d.Description)); err != nil {
		return nil, err
	}
	status := d.Status
	if status == "" {
		status = StatusPlanned
	}
	if !status.Valid() {
		_, err := ParseStatus(string(status))
		return nil, err
	}
	a := &Activity{s: State{
		ID:          d.ID,
		OwnerID:     d.OwnerID,
		Title:       title,
		Description: clone(d.Description),
		Status:      status,
		CreatedAt:   d.At,
		UpdatedAt:   d.At,
		CreatedBy:   d.OwnerID,
		UpdatedBy:   d.OwnerID,
		Version:     1,
	}}
	a.record(Created{})
	return a, nil
}

// ID returns the activity's id.
func (a *Activity) ID() uuid.UUID { return a.s.ID }

// OwnerID returns the id of the user the activity belongs to.
func (a *Activity) OwnerID() uuid.UUID { return a.s.OwnerID }

// Title returns the trimmed title.
func (a *Activity) Title() string { return a.s.Title }

// Description returns a copy of the description, nil when there is none.
func (a *Activity) Description() *string { return clone(a.s.Description) }

// Status returns the current status.
func (a *Activity) Status() Status { return a.s.Status }

// Version returns the optimistic-concurrency version: 1 at creation, +1 on
// every change.
func (a *Activity) Version() int { return a.s.Version }

// Deleted reports whether the activity was soft-deleted.
func (a *Activity) Deleted() bool { return a.s.DeletedAt != nil }

// OwnedBy reports whether user owns the activity.
func (a *Activity) OwnedBy(user uuid.UUID) bool { return a.s.OwnerID == user }

// ExpectVersion returns ErrVersionMismatch unless the activity is at one
// of the versions accepted: the If-Match check (a list matches when any
// of its tags does), made against the state the update reads.
func (a *Activity) ExpectVersion(accepted ...int) error {
	if !slices.Contains(accepted, a.s.Version) {
		return ErrVersionMismatch
	}
	return nil
}

// Events returns the events recorded since the activity was created or
// rebuilt, oldest first.
func (a *Activity) Events() []Event { return append([]Event(nil), a.events...) }

// State returns a copy of every field, for adapters that store the
// activity and for audit snapshots.
func (a *Activity) State() State {
	s := a.s
	s.Description = clone(s.Description)
	if s.DeletedAt != nil {
		t := *s.DeletedAt
		s.DeletedAt = &t
	}
	return s
}

func (a *Activity) record(e Event) { a.events = append(a.events, e) }

// touch stamps a change by user at time at, bumping the version once.
func (a *Activity) touch(by uuid.UUID, at time.Time) {
	a.s.UpdatedAt = at
	a.s.UpdatedBy = by
	a.s.Version++
}

func clone(s *string) *string {
	if s == nil {
		return nil
	}
	v := *s
	return &v
}
