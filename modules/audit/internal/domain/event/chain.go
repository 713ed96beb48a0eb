package event

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"hash"
	"strconv"
	"time"

	"github.com/google/uuid"
)

// HashSize is the length of a chain hash.
const HashSize = sha256.Size

// hashDomain is the chain format version: a new encoding gets a new tag,
// so hashes of different formats can never be confused. v1 hashed a
// canonical form of the JSON documents; v2 hashes them as stored
// (docs/audit.md, "Chain format").
const hashDomain = "zebra.audit.event.v2"

// Link is the end of the chain: the last event's position, hash and id.
// The zero Link (with Genesis as hash) is the start of an empty chain.
type Link struct {
	Seq     int64
	Hash    []byte
	EventID uuid.UUID
}

// Genesis is the previous hash of the first event.
var Genesis = make([]byte, HashSize)

// Start returns the link an empty chain begins from.
func Start() Link { return Link{Hash: Genesis} }

// Chain places e right after prev: it takes the next sequence number and
// computes its hash over its content and prev's hash. It returns the new
// end of the chain.
func (e *Event) Chain(prev Link) Link {
	e.seq = prev.Seq + 1
	e.hash = e.ComputeHash(prev.Hash)
	return Link{Seq: e.seq, Hash: e.hash, EventID: e.id}
}

// ComputeHash returns SHA-256 over the event's encoding (its sequence
// number and content, see writeContent) followed by prevHash.
func (e *Event) ComputeHash(prevHash []byte) []byte {
	h := sha256.New()
	writeField(h, []byte(hashDomain))
	writeField(h, []byte(strconv.FormatInt(e.seq, 10)))
	e.writeContent(h)
	writeField(h, prevHash)
	return h.Sum(nil)
}

// writeContent writes every field of the event to w, length-prefixed, so
// no two different events encode to the same bytes: id, time (RFC 3339,
// UTC, microseconds), the text fields, and the JSON documents byte for
// byte as stored (an absent one is empty, which no JSON document is).
func (e *Event) writeContent(w hash.Hash) {
	writeField(w, []byte(e.id.String()))
	writeField(w, []byte(e.occurredAt.UTC().Format(time.RFC3339Nano)))
	for _, s := range []string{e.actor, e.action, e.entityType, e.entityID, e.requestID} {
		writeField(w, []byte(s))
	}
	for _, doc := range [][]byte{e.before, e.after, e.metadata} {
		writeField(w, doc)
	}
}

// writeField writes b's length (8 bytes, big-endian) and b; writing to a
// hash never fails.
func writeField(w hash.Hash, b []byte) {
	var n [8]byte
	binary.BigEndian.PutUint64(n[:], uint64(len(b)))
	w.Write(n[:])
	w.Write(b)
}

// Verification is the outcome of checking a chain.
type Verification struct {
	OK bool
	// Checked counts the events examined, including the broken one.
	Checked int64
	// FirstBroken is the first event whose hash or position does not hold,
	// or, when events at the end were removed, the last one the chain head
	// remembers. uuid.Nil when OK.
	FirstBroken uuid.UUID
}

// Verifier recomputes a chain event by event, in sequence order, in
// constant memory.
type Verifier struct {
	keys    *Keys
	prev    Link
	checked int64
	broken  uuid.UUID
}

// NewVerifier returns a verifier positioned at the start of the chain,
// checking each event's MAC with keys.
func NewVerifier(keys *Keys) *Verifier { return &Verifier{keys: keys, prev: Start()} }

// Check verifies the next event and reports whether the chain still holds:
// the event is authentic (Keys.Authentic), at the next position, and its
// hash follows from the previous one. Once the chain does not hold,
// further calls return false and change nothing.
func (v *Verifier) Check(e *Event) bool {
	if v.broken != uuid.Nil {
		return false
	}
	v.checked++
	if !v.keys.Authentic(e) || e.seq != v.prev.Seq+1 || !bytes.Equal(e.ComputeHash(v.prev.Hash), e.hash) {
		v.broken = e.id
		return false
	}
	v.prev = Link{Seq: e.seq, Hash: e.hash, EventID: e.id}
	return true
}

// Finish compares the end of the walk with the recorded chain head, which
// catches events removed from the end, and returns the outcome.
func (v *Verifier) Finish(head Link) Verification {
	res := Verification{Checked: v.checked, FirstBroken: v.broken}
	if v.broken != uuid.Nil {
		return res
	}
	switch {
	case head.Seq > v.prev.Seq:
		res.FirstBroken = head.EventID
	case head.Seq < v.prev.Seq:
		res.FirstBroken = v.prev.EventID
	case !bytes.Equal(head.Hash, v.prev.Hash):
		res.FirstBroken = v.prev.EventID
		if v.prev.Seq == 0 {
			res.FirstBroken = head.EventID
		}
	}
	res.OK = res.FirstBroken == uuid.Nil && bytes.Equal(head.Hash, v.prev.Hash)
	return res
}
