package event_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/zebralabs/zebra/modules/audit/internal/domain/event"
)

func draft() event.Draft {
	return event.Draft{
		ID:         uuid.Must(uuid.NewV7()),
		OccurredAt: time.Date(2026, 11, 26, 10, 4, 5, 123456789, time.FixedZone("x", 3600)),
		Actor:      "system",
		Action:     "activity.created",
		EntityType: "activity",
		EntityID:   "a1",
		RequestID:  "req-1",
		Before:     nil,
		After:      json.RawMessage(`{ "title": "x", "n": 1.0, "a": [1, 2] }`),
		Metadata:   json.RawMessage(`{"ip":"127.0.0.1"}`),
	}
}

func TestNewValidates(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		mutate func(*event.Draft)
	}{
		{"no id", func(d *event.Draft) { d.ID = uuid.Nil }},
		{"id not time-ordered", func(d *event.Draft) { d.ID = uuid.New() }},
		{"no time", func(d *event.Draft) { d.OccurredAt = time.Time{} }},
		{"no actor", func(d *event.Draft) { d.Actor = " " }},
		{"no action", func(d *event.Draft) { d.Action = "" }},
		{"no entity type", func(d *event.Draft) { d.EntityType = "" }},
		{"long entity id", func(d *event.Draft) { d.EntityID = strings.Repeat("x", 201) }},
		{"long request id", func(d *event.Draft) { d.RequestID = strings.Repeat("x", 129) }},
		{"bad json", func(d *event.Draft) { d.After = json.RawMessage(`{`) }},
		{"metadata not an object", func(d *event.Draft) { d.Metadata = json.RawMessage(`[1]`) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			d := draft()
			tt.mutate(&d)
			_, err := event.New(d)
			assert.True(t, errors.Is(err, event.ErrInvalid), "got %v", err)
		})
	}
}

func TestNewNormalises(t *testing.T) {
	t.Parallel()
	d := draft()
	d.EntityID = "a\x00b"
	d.Before = json.RawMessage(" null ")
	e, err := event.New(d)
	require.NoError(t, err)
	assert.Equal(t, "ab", e.EntityID())
	assert.Nil(t, e.Before())
	assert.Equal(t, time.UTC, e.OccurredAt().Location())
	assert.Equal(t, 123456000, e.OccurredAt().Nanosecond())
}

// TestNewKeepsDocumentsByteForByte: documents are stored verbatim (a json
// column) and hashed as stored, so New must not rewrite them; only the
// whitespace around a document goes.
func TestNewKeepsDocumentsByteForByte(t *testing.T) {
	t.Parallel()
	d := draft()
	d.After = json.RawMessage(` {"title": "x", "n": 1.0, "a": [1, 2], "nul": "a\u0000b", "n": 2} ` + "\n")
	e, err := event.New(d)
	require.NoError(t, err)
	assert.Equal(t, `{"title": "x", "n": 1.0, "a": [1, 2], "nul": "a\u0000b", "n": 2}`, string(e.After()))
	assert.Equal(t, `{"ip":"127.0.0.1"}`, string(e.Metadata()))

	d.After = json.RawMessage("{\"s\":\"\xff\"}")
	_, err = event.New(d)
	assert.ErrorIs(t, err, event.ErrInvalid, "invalid UTF-8 in a document")
}

// TestHashCoversDocumentBytes: two spellings of the same JSON value are
// two different events, as they are two different stored rows.
func TestHashCoversDocumentBytes(t *testing.T) {
	t.Parallel()
	d := draft()
	compact, err := event.New(d)
	require.NoError(t, err)
	d.After = json.RawMessage(`{"title":"x","n":1,"a":[1,2]}`)
	respelled, err := event.New(d)
	require.NoError(t, err)
	assert.NotEqual(t, compact.ComputeHash(event.Genesis), respelled.ComputeHash(event.Genesis))
	again, err := event.New(d)
	require.NoError(t, err)
	assert.Equal(t, respelled.ComputeHash(event.Genesis), again.ComputeHash(event.Genesis), "the hash is deterministic")
}

// keys seal the events of these tests.
var keys = mustKeys(event.Key{ID: "k1", Secret: []byte("0123456789abcdef0123456789abcdef")})

func mustKeys(k ...event.Key) *event.Keys {
	ks, err := event.NewKeys(k...)
	if err != nil {
		panic(err)
	}
	return ks
}

func chain(t *testing.T, n int) ([]*event.Event, event.Link) {
	t.Helper()
	head := event.Start()
	events := make([]*event.Event, n)
	for i := range events {
		d := draft()
		d.EntityID = strings.Repeat("e", i+1)
		e, err := event.New(d)
		require.NoError(t, err)
		keys.Seal(e)
		head = e.Chain(head)
		events[i] = e
	}
	return events, head
}

// stored simulates a row read back from storage, optionally edited.
func stored(e *event.Event, edit func(*event.Stored)) *event.Event {
	s := event.Stored{
		Draft: event.Draft{
			ID: e.ID(), OccurredAt: e.OccurredAt(), Actor: e.Actor(), Action: e.Action(),
			EntityType: e.EntityType(), EntityID: e.EntityID(), RequestID: e.RequestID(),
			Before: e.Before(), After: e.After(), Metadata: e.Metadata(),
		},
		MAC: e.MAC(), MACKeyID: e.MACKeyID(), Seq: e.Seq(), Hash: e.Hash(),
	}
	if edit != nil {
		edit(&s)
	}
	return event.FromStorage(s)
}

func verify(events []*event.Event, head event.Link) event.Verification {
	v := event.NewVerifier(keys)
	for _, e := range events {
		if !v.Check(e) {
			break
		}
	}
	return v.Finish(head)
}

func TestChainVerifies(t *testing.T) {
	t.Parallel()
	events, head := chain(t, 5)
	for i, e := range events {
		assert.Equal(t, int64(i+1), e.Seq())
		assert.Len(t, e.Hash(), event.HashSize)
	}
	read := make([]*event.Event, len(events))
	for i, e := range events {
		read[i] = stored(e, nil)
	}
	assert.Equal(t, event.Verification{OK: true, Checked: 5}, verify(read, head))
	assert.Equal(t, event.Verification{OK: true}, verify(nil, event.Start()))
}

func TestVerifierFindsFirstBrokenEvent(t *testing.T) {
	t.Parallel()
	events, head := chain(t, 5)
	tests := []struct {
		name    string
		rows    func() []*event.Event
		head    event.Link
		broken  uuid.UUID
		checked int64
	}{
		{"edited content", func() []*event.Event {
			rows := []*event.Event{}
			for i, e := range events {
				rows = append(rows, stored(e, func(s *event.Stored) {
					if i == 2 {
						s.After = json.RawMessage(`{"title":"forged"}`)
					}
				}))
			}
			return rows
		}, head, events[2].ID(), 3},
		{"edited content with recomputed hash", func() []*event.Event {
			rows := []*event.Event{}
			for i, e := range events {
				rows = append(rows, stored(e, func(s *event.Stored) {
					if i == 1 {
						s.Actor = "someone-else"
						s.Hash = event.FromStorage(*s).ComputeHash(events[0].Hash())
					}
				}))
			}
			return rows
		}, head, events[1].ID(), 2},
		{"edited content with recomputed hashes to the head", func() []*event.Event {
			rows := []*event.Event{}
			prev := event.Start()
			for i, e := range events {
				s := stored(e, func(s *event.Stored) {
					if i == 1 {
						s.Actor = "someone-else"
					}
				})
				prev = s.Chain(prev)
				rows = append(rows, s)
			}
			return rows
		}, head, events[1].ID(), 2},
		{"event without a MAC", func() []*event.Event {
			return []*event.Event{stored(events[0], func(s *event.Stored) { s.MAC, s.MACKeyID = nil, "" })}
		}, head, events[0].ID(), 1},
		{"MAC of another event", func() []*event.Event {
			return []*event.Event{stored(events[0], func(s *event.Stored) { s.MAC = events[1].MAC() })}
		}, head, events[0].ID(), 1},
		{"unknown key", func() []*event.Event {
			return []*event.Event{stored(events[0], func(s *event.Stored) { s.MACKeyID = "k2" })}
		}, head, events[0].ID(), 1},
		{"deleted middle row", func() []*event.Event {
			return []*event.Event{stored(events[0], nil), stored(events[1], nil), stored(events[3], nil), stored(events[4], nil)}
		}, head, events[3].ID(), 3},
		{"deleted first row", func() []*event.Event {
			return []*event.Event{stored(events[1], nil), stored(events[2], nil)}
		}, head, events[1].ID(), 1},
		{"deleted last row", func() []*event.Event {
			return []*event.Event{stored(events[0], nil), stored(events[1], nil), stored(events[2], nil), stored(events[3], nil)}
		}, head, events[4].ID(), 4},
		{"swapped rows", func() []*event.Event {
			return []*event.Event{stored(events[0], nil), stored(events[2], nil), stored(events[1], nil)}
		}, head, events[2].ID(), 2},
		{"moved time", func() []*event.Event {
			return []*event.Event{stored(events[0], func(s *event.Stored) { s.OccurredAt = s.OccurredAt.Add(time.Millisecond) })}
		}, head, events[0].ID(), 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := verify(tt.rows(), tt.head)
			assert.False(t, got.OK)
			assert.Equal(t, tt.broken, got.FirstBroken)
			assert.Equal(t, tt.checked, got.Checked)
		})
	}
}

// TestKeysRotate: the first key seals, every key verifies, and an event
// sealed with a key that is no longer configured does not verify.
func TestKeysRotate(t *testing.T) {
	t.Parallel()
	old := event.Key{ID: "2025", Secret: []byte("old-secret-old-secret-old-secret")}
	current := event.Key{ID: "2026", Secret: []byte("new-secret-new-secret-new-secret")}
	sealed := func(ks *event.Keys) *event.Event {
		e, err := event.New(draft())
		require.NoError(t, err)
		ks.Seal(e)
		return e
	}
	before := sealed(mustKeys(old))
	rotated := mustKeys(current, old)
	after := sealed(rotated)

	assert.Equal(t, "2026", after.MACKeyID())
	assert.True(t, rotated.Authentic(before), "an old key still verifies")
	assert.True(t, rotated.Authentic(after))
	assert.False(t, mustKeys(current).Authentic(before), "a removed key verifies nothing")
	same := event.Key{ID: "2025", Secret: current.Secret}
	assert.False(t, mustKeys(same).Authentic(before), "a different secret under the same id")
}

func TestNewKeysRefusesWeakSets(t *testing.T) {
	t.Parallel()
	secret := []byte("0123456789abcdef0123456789abcdef")
	tests := []struct {
		name string
		keys []event.Key
	}{
		{"none", nil},
		{"no id", []event.Key{{Secret: secret}}},
		{"short secret", []event.Key{{ID: "a", Secret: secret[:31]}}},
		{"repeated id", []event.Key{{ID: "a", Secret: secret}, {ID: "a", Secret: secret}}},
	}
	for _, tt := range tests {
		_, err := event.NewKeys(tt.keys...)
		assert.Error(t, err, tt.name)
	}
}
