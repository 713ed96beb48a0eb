package attachment

// Event is something that happened to an attachment.
type Event interface {
	// Name is the event's type as published: "attachment.added", ...
	Name() string
}

// Added records a new, pending attachment (its upload URL was issued).
type Added struct{}

// Uploaded records a completed upload: the attachment is available.
type Uploaded struct{}

// DeleteReason says why an attachment was deleted.
type DeleteReason string

// The reasons of a deletion.
const (
	// ReasonDeleted: the attachment itself was deleted.
	ReasonDeleted DeleteReason = "deleted"
	// ReasonActivityDeleted: its activity was deleted.
	ReasonActivityDeleted DeleteReason = "activity_deleted"
)

// Deleted records a deletion: the row is gone, and the object must go
// too (the outbox event drives that).
type Deleted struct {
	Reason DeleteReason
}

// Name implements Event.
func (Added) Name() string { return "attachment.added" }

// Name implements Event.
func (Uploaded) Name() string { return "attachment.uploaded" }

// Name implements Event.
func (Deleted) Name() string { return "attachment.deleted" }
