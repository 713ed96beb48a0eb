package query

import (
	"context"
	"fmt"

	"github.com/google/uuid"

	"github.com/zebralabs/zebra/modules/audit/internal/domain/event"
	"github.com/zebralabs/zebra/modules/audit/internal/permission"
	"github.com/zebralabs/zebra/platform/auth"
)

// ChainReader reads the chain for verification.
type ChainReader interface {
	// Link links the events waiting for the chainer into the chain, so
	// that verification covers every event committed before it began.
	Link(ctx context.Context) (int, error)
	// Unchained returns an event that is neither in the chain nor queued
	// for it, or a queued id whose event row is gone; uuid.Nil if none.
	// Every event the service appends is one or the other at every
	// moment, so this depends on no value a writer chooses.
	Unchained(ctx context.Context) (uuid.UUID, error)
	// Head returns the recorded end of the chain.
	Head(ctx context.Context) (event.Link, error)
	// Walk calls fn for every event with a sequence number up to upTo, in
	// sequence order, until fn returns false. It streams: memory does not
	// grow with the length of the log.
	Walk(ctx context.Context, upTo int64, fn func(*event.Event) bool) error
}

// VerifyChain asks for the whole chain to be recomputed.
type VerifyChain struct{}

// VerifyChainHandler recomputes the hash chain from the first event.
type VerifyChainHandler struct {
	reader ChainReader
	keys   *event.Keys
}

// NewVerifyChainHandler returns the handler; keys check each event's MAC.
func NewVerifyChainHandler(reader ChainReader, keys *event.Keys) *VerifyChainHandler {
	return &VerifyChainHandler{reader: reader, keys: keys}
}

// Handle requires permission.Verify, links the events waiting for the
// chainer, reads the chain head and then every event up to it, checking
// each one's MAC, position and hash, so events appended during the walk
// are left for the next verification instead of being reported as broken.
// A chain that holds is still broken when an event is out of it without
// being queued for it (Unchained): that event is the one reported.
func (h *VerifyChainHandler) Handle(ctx context.Context, _ VerifyChain) (event.Verification, error) {
	if _, err := auth.Require(ctx, permission.Verify); err != nil {
		return event.Verification{}, err
	}
	if _, err := h.reader.Link(ctx); err != nil {
		return event.Verification{}, fmt.Errorf("link waiting events: %w", err)
	}
	head, err := h.reader.Head(ctx)
	if err != nil {
		return event.Verification{}, fmt.Errorf("read chain head: %w", err)
	}
	v := event.NewVerifier(h.keys)
	if err := h.reader.Walk(ctx, head.Seq, v.Check); err != nil {
		return event.Verification{}, fmt.Errorf("walk chain: %w", err)
	}
	res := v.Finish(head)
	if !res.OK {
		return res, nil
	}
	unchained, err := h.reader.Unchained(ctx)
	if err != nil {
		return event.Verification{}, fmt.Errorf("find unchained events: %w", err)
	}
	if unchained != uuid.Nil {
		res.OK, res.FirstBroken = false, unchained
	}
	return res, nil
}
