// Package event is the audit log's domain: an Event is an immutable record
// of one change, sealed by the service with a MAC (a key the database never
// holds) and chained to the event before it by a SHA-256 hash, so that
// writing, editing, removing or reordering events behind the service's back
// is detectable. It depends on the standard library and uuid only.
package event

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
)

// Limits of the text fields, so one event cannot bloat the log or an index.
const (
	MaxTextLen = 200
	// MaxRequestIDLen matches the request id rule of docs/api.md.
	MaxRequestIDLen = 128
)

// ErrInvalid is wrapped by every validation error of New.
var ErrInvalid = errors.New("invalid audit event")

// Event is one audit record. Its fields are unexported so that an event
// cannot change once built: the hash covers all of them.
type Event struct {
	id         uuid.UUID
	occurredAt time.Time
	actor      string
	action     string
	entityType string
	entityID   string
	requestID  string
	before     json.RawMessage
	after      json.RawMessage
	metadata   json.RawMessage

	// mac and macKeyID are set when the service seals the event (Keys.Seal).
	mac      []byte
	macKeyID string

	// seq and hash are set when the event is appended to the chain.
	seq  int64
	hash []byte
}

// Draft is what a caller knows about an event before it is chained.
// Before, After and Metadata are JSON documents (nil for none); Metadata
// must be an object.
type Draft struct {
	ID         uuid.UUID
	OccurredAt time.Time
	Actor      string
	Action     string
	EntityType string
	EntityID   string
	RequestID  string
	Before     json.RawMessage
	After      json.RawMessage
	Metadata   json.RawMessage
}

// New validates d and returns an unchained event. Text is cleaned of
// invalid UTF-8 and NUL characters (which a Postgres text column cannot
// store) and the time is truncated to the microsecond precision of the
// database, so the event hashes the same after a round trip through
// storage. The JSON documents are checked and kept byte for byte: they are
// stored verbatim and hashed as stored, so they need no canonical form.
func New(d Draft) (*Event, error) {
	e := &Event{
		id:         d.ID,
		occurredAt: d.OccurredAt.UTC().Truncate(time.Microsecond),
		actor:      cleanText(d.Actor),
		action:     cleanText(d.Action),
		entityType: cleanText(d.EntityType),
		entityID:   cleanText(d.EntityID),
		requestID:  cleanText(d.RequestID),
	}
	if e.id.Version() != 7 {
		// The list is ordered by id, newest first: only a time-ordered id
		// keeps it so (the database refuses other ids too, audit.sql).
		return nil, invalid("id must be a UUIDv7")
	}
	if e.occurredAt.IsZero() {
		return nil, invalid("occurredAt is required")
	}
	for _, f := range []struct{ name, value string }{
		{"actor", e.actor}, {"action", e.action}, {"entityType", e.entityType},
	} {
		if strings.TrimSpace(f.value) == "" {
			return nil, invalid(f.name + " is required")
		}
	}
	for _, f := range []struct {
		name, value string
		max         int
	}{
		{"actor", e.actor, MaxTextLen}, {"action", e.action, MaxTextLen},
		{"entityType", e.entityType, MaxTextLen}, {"entityId", e.entityID, MaxTextLen},
		{"requestId", e.requestID, MaxRequestIDLen},
	} {
		if utf8.RuneCountInString(f.value) > f.max {
			return nil, invalid(fmt.Sprintf("%s is longer than %d characters", f.name, f.max))
		}
	}
	var err error
	if e.before, err = document("before", d.Before); err != nil {
		return nil, err
	}
	if e.after, err = document("after", d.After); err != nil {
		return nil, err
	}
	if e.metadata, err = document("metadata", d.Metadata); err != nil {
		return nil, err
	}
	if e.metadata != nil && e.metadata[0] != '{' {
		return nil, invalid("metadata must be a JSON object")
	}
	return e, nil
}

// Stored is an event as read back from storage, trusted for nothing: the
// chain verifier recomputes its MAC and its hash.
type Stored struct {
	Draft
	MAC      []byte
	MACKeyID string
	Seq      int64
	Hash     []byte
}

// FromStorage rebuilds an event from storage without validating it, since
// a tampered row must still be loaded to be reported.
func FromStorage(s Stored) *Event {
	return &Event{
		id:         s.ID,
		occurredAt: s.OccurredAt.UTC(),
		actor:      s.Actor,
		action:     s.Action,
		entityType: s.EntityType,
		entityID:   s.EntityID,
		requestID:  s.RequestID,
		before:     s.Before,
		after:      s.After,
		metadata:   s.Metadata,
		mac:        s.MAC,
		macKeyID:   s.MACKeyID,
		seq:        s.Seq,
		hash:       s.Hash,
	}
}

// ID returns the event's id.
func (e *Event) ID() uuid.UUID { return e.id }

// OccurredAt returns when the change happened, in UTC.
func (e *Event) OccurredAt() time.Time { return e.occurredAt }

// Actor returns the user id of the actor, or "system".
func (e *Event) Actor() string { return e.actor }

// Action returns what happened, e.g. "activity.created".
func (e *Event) Action() string { return e.action }

// EntityType returns the type of the changed entity.
func (e *Event) EntityType() string { return e.entityType }

// EntityID returns the id of the changed entity.
func (e *Event) EntityID() string { return e.entityID }

// RequestID returns the id of the request that caused the change.
func (e *Event) RequestID() string { return e.requestID }

// Before returns the JSON snapshot before the change, or nil, exactly as
// it was given (and is stored and hashed).
func (e *Event) Before() json.RawMessage { return e.before }

// After returns the JSON snapshot after the change, or nil (see Before).
func (e *Event) After() json.RawMessage { return e.after }

// Metadata returns the JSON metadata object, or nil (see Before).
func (e *Event) Metadata() json.RawMessage { return e.metadata }

// MAC returns the MAC the service sealed the event with; nil before.
func (e *Event) MAC() []byte { return e.mac }

// MACKeyID returns the id of the key the event was sealed with.
func (e *Event) MACKeyID() string { return e.macKeyID }

// Seq returns the position in the chain, from 1; 0 before chaining.
func (e *Event) Seq() int64 { return e.seq }

// Hash returns the stored chain hash; nil before chaining.
func (e *Event) Hash() []byte { return e.hash }

func invalid(msg string) error { return fmt.Errorf("%w: %s", ErrInvalid, msg) }

// document checks a JSON document of the event and returns it without
// surrounding whitespace; nil for none (empty or null).
func document(name string, doc json.RawMessage) (json.RawMessage, error) {
	doc = bytes.TrimSpace(doc)
	switch {
	case len(doc) == 0 || string(doc) == "null":
		return nil, nil
	case !utf8.Valid(doc) || !json.Valid(doc):
		return nil, invalid(name + " is not valid UTF-8 JSON")
	}
	return doc, nil
}

func cleanText(s string) string {
	return strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "")
}
