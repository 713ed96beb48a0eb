package activity

import (
	"time"

	"github.com/google/uuid"
)

// Changes is a partial update with JSON merge patch semantics: a nil field
// stays unchanged.
type Changes struct {
	Title *string
	// DescriptionSet says Description carries the new description; a nil
	// Description then clears it.
	DescriptionSet bool
	Description    *string
	Status         *Status
}

// Change applies c as one change made by user by at time at. It validates
// everything before touching anything, so a rejected change leaves the
// activity as it was. A change that changes nothing (every value equal to
// the current one) is accepted and neither bumps the version nor records
// an event.
//
// Errors: *ValidationError (one per invalid field, joined),
// *InvalidTransitionError, ErrNotFound when the activity is deleted.
func (a *Activity) Change(c Changes, by uuid.UUID, at time.Time) error {
	if a.Deleted() {
		return ErrNotFound
	}
	var description *string
	if c.DescriptionSet {
		description = c.Description
	}
	if err := CheckFields(c.Title, description); err != nil {
		return err
	}
	next := a.s
	var fields []string
	if c.Title != nil {
		if title, _ := normalizeTitle(*c.Title); title != next.Title {
			next.Title = title
			fields = append(fields, "title")
		}
	}
	if c.DescriptionSet {
		if !equal(c.Description, next.Description) {
			next.Description = clone(c.Description)
			fields = append(fields, "description")
		}
	}
	from := next.Status
	if c.Status != nil && *c.Status != from {
		if !c.Status.Valid() {
			_, err := ParseStatus(string(*c.Status))
			return err
		}
		if !from.CanBecome(*c.Status) {
			return &InvalidTransitionError{From: from, To: *c.Status}
		}
		next.Status = *c.Status
	}
	if len(fields) == 0 && next.Status == from {
		return nil
	}
	a.s = next
	a.touch(by, at)
	if len(fields) > 0 {
		a.record(Updated{Fields: fields})
	}
	if next.Status != from {
		a.record(StatusChanged{From: from, To: next.Status})
	}
	return nil
}

// Delete soft-deletes the activity: it stays in storage, invisible, and
// every later change or delete reports ErrNotFound.
func (a *Activity) Delete(by uuid.UUID, at time.Time) error {
	if a.Deleted() {
		return ErrNotFound
	}
	t := at
	a.s.DeletedAt = &t
	a.touch(by, at)
	a.record(Deleted{})
	return nil
}

func equal(x, y *string) bool {
	if x == nil || y == nil {
		return x == y
	}
	return *x == *y
}
