package query

import (
	"context"
	"fmt"

	"github.com/zebralabs/zebra/modules/audit/internal/domain/event"
	"github.com/zebralabs/zebra/platform/auth"
)

// ChainReader reads the chain for verification.
type ChainReader interface {
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

// Handle requires auth.VerifyAudit, reads the chain head first and then
// every event up to it, so events appended during the walk are left for
// the next verification instead of being reported as broken.
func (h *VerifyChainHandler) Handle(ctx context.Context, _ VerifyChain) (event.Verification, error) {
	if _, err := auth.Require(ctx, auth.VerifyAudit); err != nil {
		return event.Verification{}, err
	}
	head, err := h.reader.Head(ctx)
	if err != nil {
		return event.Verification{}, fmt.Errorf("read chain head: %w", err)
	}
	v := event.NewVerifier()
	if err := h.reader.Walk(ctx, head.Seq, v.Check); err != nil {
		return event.Verification{}, fmt.Errorf("walk chain: %w", err)
	}
	return v.Finish(head), nil
}
