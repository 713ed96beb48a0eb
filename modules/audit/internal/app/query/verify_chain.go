package query

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/zebralabs/zebra/modules/audit/internal/domain/event"
	"github.com/zebralabs/zebra/modules/audit/internal/permission"
	"github.com/zebralabs/zebra/platform/auth"
)

// MaxUnchainedAge is how long an event may stay out of the chain before
// verification reports it. The chainer links events within about a second
// of their commit, and verification links what is waiting first, so an
// older unlinked event was removed from the queue, or inserted behind the
// service's back.
const MaxUnchainedAge = time.Minute

// ChainReader reads the chain for verification.
type ChainReader interface {
	// Link links the events waiting for the chainer into the chain, so
	// that verification covers every event committed before it began.
	Link(ctx context.Context) (int, error)
	// Unchained returns the oldest event that occurred (or was queued)
	// more than olderThan ago and is not in the chain; uuid.Nil if none.
	Unchained(ctx context.Context, olderThan time.Duration) (uuid.UUID, error)
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
}

// NewVerifyChainHandler returns the handler.
func NewVerifyChainHandler(reader ChainReader) *VerifyChainHandler {
	return &VerifyChainHandler{reader: reader}
}

// Handle requires permission.Verify, links the events waiting for the
// chainer, reads the chain head and then every event up to it, so events
// appended during the walk are left for the next verification instead of
// being reported as broken. A chain that holds is still broken when an
// event has stayed out of it longer than MaxUnchainedAge: that event is
// the one reported.
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
	v := event.NewVerifier()
	if err := h.reader.Walk(ctx, head.Seq, v.Check); err != nil {
		return event.Verification{}, fmt.Errorf("walk chain: %w", err)
	}
	res := v.Finish(head)
	if !res.OK {
		return res, nil
	}
	unchained, err := h.reader.Unchained(ctx, MaxUnchainedAge)
	if err != nil {
		return event.Verification{}, fmt.Errorf("find unchained events: %w", err)
	}
	if unchained != uuid.Nil {
		res.OK, res.FirstBroken = false, unchained
	}
	return res, nil
}
