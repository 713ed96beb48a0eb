package activity

import (
	"errors"
	"fmt"
)

// ErrNotFound means the activity does not exist, was deleted, or is not
// visible to the caller. The three are indistinguishable on purpose, so a
// caller cannot learn that someone else's activity exists.
var ErrNotFound = errors.New("activity not found")

// ErrVersionMismatch means the caller's expected version (If-Match) is not
// the activity's current version, or another writer changed the activity
// between the read and the write of an update.
var ErrVersionMismatch = errors.New("activity version mismatch")

// ValidationError names the field whose value breaks an invariant.
type ValidationError struct {
	Field   string
	Message string
}

// Error implements error.
func (e *ValidationError) Error() string { return fmt.Sprintf("%s %s", e.Field, e.Message) }

// InvalidTransitionError reports a status change the state machine forbids.
type InvalidTransitionError struct {
	From, To Status
}

// Error implements error.
func (e *InvalidTransitionError) Error() string {
	if e.From.Final() {
		return fmt.Sprintf("activity is %s, which is final: it cannot become %s", e.From, e.To)
	}
	return fmt.Sprintf("activity cannot go from %s to %s", e.From, e.To)
}
