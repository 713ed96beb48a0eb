package event

import (
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"fmt"
)

// MinKeyLen is the shortest secret a Key may have: HMAC-SHA256's block of
// security, 32 bytes.
const MinKeyLen = 32

// macDomain versions the MAC's input, as hashDomain versions the chain's.
const macDomain = "zebra.audit.event.mac.v1"

// Key is a secret the service authenticates events with. It is
// configuration, never stored in the database: whoever can write to the
// database but does not hold the key cannot make an event that verifies.
type Key struct {
	// ID names the key in each event it seals, so that verification finds
	// it after a rotation.
	ID     string
	Secret []byte
}

// Keys are the service's MAC keys: the first seals new events, every one
// verifies (rotation: add the new key first, keep the old ones as long as
// events sealed with them must verify).
type Keys struct {
	signer Key
	byID   map[string][]byte
}

// NewKeys returns the key set, the first key sealing. It refuses an empty
// set, an empty or repeated id, and a secret shorter than MinKeyLen.
func NewKeys(keys ...Key) (*Keys, error) {
	if len(keys) == 0 {
		return nil, errors.New("no key")
	}
	ks := &Keys{signer: keys[0], byID: make(map[string][]byte, len(keys))}
	for _, k := range keys {
		switch {
		case k.ID == "":
			return nil, errors.New("a key has no id")
		case len(k.Secret) < MinKeyLen:
			return nil, fmt.Errorf("key %q is shorter than %d bytes", k.ID, MinKeyLen)
		case ks.byID[k.ID] != nil:
			return nil, fmt.Errorf("key id %q is repeated", k.ID)
		}
		ks.byID[k.ID] = k.Secret
	}
	return ks, nil
}

// SignerID returns the id of the key that seals new events.
func (ks *Keys) SignerID() string { return ks.signer.ID }

// Seal computes e's MAC with the signing key and records which key it was.
// The service seals every event it records, before it is stored.
func (ks *Keys) Seal(e *Event) {
	e.macKeyID = ks.signer.ID
	e.mac = e.computeMAC(ks.signer.Secret)
}

// Authentic reports whether e carries a MAC computed over its content by
// one of the keys: false for an event written behind the service's back
// (no MAC, an unknown key, or content that was changed).
func (ks *Keys) Authentic(e *Event) bool {
	secret, ok := ks.byID[e.macKeyID]
	return ok && hmac.Equal(e.mac, e.computeMAC(secret))
}

// computeMAC returns HMAC-SHA256 over the event's content (writeContent).
// The sequence number is left out: the event is sealed before it is
// chained, and the chain hash covers its position.
func (e *Event) computeMAC(secret []byte) []byte {
	m := hmac.New(sha256.New, secret)
	writeField(m, []byte(macDomain))
	e.writeContent(m)
	return m.Sum(nil)
}
