package postgres

import (
	"context"
	"time"

	"go.uber.org/zap"
)

// chainerInterval is how often the chainer looks for queued events even
// when nothing woke it: events committed by other processes (as deployed,
// the API processes commit and `zebra worker` chains, so this is its
// pace; replicas take turns on the chain head) or left behind by a
// process that stopped before linking them. A look that finds nothing is
// one EXISTS query; a short interval keeps each chaining transaction
// small instead of one burst of a second's events.
const chainerInterval = 100 * time.Millisecond

// chainerLinger is how long the chainer lets commits accumulate after a
// wake before linking: under load one chain transaction (one WAL flush)
// then covers the events of many commands instead of a few, at the price
// of a tenth of a second before they are covered by verification, which
// nobody waits for. Measured (docs/performance.md): 10 ms made the
// chainer's rounds a visible share of every audited write's cost.
const chainerLinger = 100 * time.Millisecond

// Chainer is the background job that links committed audit events into
// the hash chain. Store.Append wakes it after each commit, so events are
// linked within milliseconds under load, in batches of everything that
// committed meanwhile (one chain transaction, one WAL flush, for many
// events), instead of every audited command holding the chain's lock
// through its own commit.
type Chainer struct {
	store *Store
	log   *zap.Logger
}

// NewChainer returns the job over store.
func NewChainer(store *Store, log *zap.Logger) *Chainer { return &Chainer{store: store, log: log} }

// Name implements background.Job.
func (c *Chainer) Name() string { return "audit-chainer" }

// Run implements background.Job: it links queued events chainerLinger
// after it is woken, and every chainerInterval, until ctx ends. A failed pass is logged and
// retried at the next tick.
func (c *Chainer) Run(ctx context.Context) error {
	tick := time.NewTicker(chainerInterval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-c.store.wake:
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(chainerLinger):
			}
		case <-tick.C:
		}
		if _, err := c.store.Link(ctx); err != nil && ctx.Err() == nil {
			c.log.Error("link audit events into the chain", zap.Error(err))
		}
	}
}
