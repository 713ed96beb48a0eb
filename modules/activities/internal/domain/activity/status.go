package activity

// Status is where an activity is in its life: planned, then in progress,
// then done; planned or in-progress work may be cancelled instead. Done and
// cancelled are final.
type Status string

// The statuses of docs/api.md.
const (
	StatusPlanned    Status = "planned"
	StatusInProgress Status = "in_progress"
	StatusDone       Status = "done"
	StatusCancelled  Status = "cancelled"
)

// Statuses lists every valid status, in life-cycle order.
var Statuses = []Status{StatusPlanned, StatusInProgress, StatusDone, StatusCancelled}

// transitions is the state machine: the statuses each status may move to.
// A status missing from the map, or mapped to nothing, is final.
var transitions = map[Status][]Status{
	StatusPlanned:    {StatusInProgress, StatusCancelled},
	StatusInProgress: {StatusDone, StatusCancelled},
}

// ParseStatus returns the status named s, or a *ValidationError for the
// "status" field when s names none.
func ParseStatus(s string) (Status, error) {
	st := Status(s)
	if !st.Valid() {
		return "", &ValidationError{Field: "status", Message: "must be one of planned, in_progress, done, cancelled"}
	}
	return st, nil
}

// Valid reports whether s is one of Statuses.
func (s Status) Valid() bool {
	for _, v := range Statuses {
		if s == v {
			return true
		}
	}
	return false
}

// Final reports whether nothing may follow s.
func (s Status) Final() bool { return len(transitions[s]) == 0 }

// CanBecome reports whether the state machine allows moving from s to to.
// Staying in the same status is not a transition and is not allowed here;
// callers treat an unchanged status as no change at all.
func (s Status) CanBecome(to Status) bool {
	for _, next := range transitions[s] {
		if next == to {
			return true
		}
	}
	return false
}

// String returns the status as written on the wire and in storage.
func (s Status) String() string { return string(s) }
