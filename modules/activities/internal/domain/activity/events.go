package activity

// Event is something that happened to an activity, recorded by the
// aggregate's methods so that the application layer can publish and audit
// exactly what changed without comparing snapshots itself.
type Event interface {
	// Name is the event's type as published: "activity.created", ...
	Name() string
}

// Created records a new activity.
type Created struct{}

// Updated records a change of title and/or description.
type Updated struct {
	// Fields are the camelCase names of the fields that changed.
	Fields []string
}

// StatusChanged records a status transition.
type StatusChanged struct {
	From, To Status
}

// Deleted records a soft deletion.
type Deleted struct{}

// Name implements Event.
func (Created) Name() string { return "activity.created" }

// Name implements Event.
func (Updated) Name() string { return "activity.updated" }

// Name implements Event.
func (StatusChanged) Name() string { return "activity.status_changed" }

// Name implements Event.
func (Deleted) Name() string { return "activity.deleted" }
