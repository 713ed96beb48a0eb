package postgres

import (
	"context"
	"time"

	"go.uber.org/zap"
)

// The chainer looks for queued events on its own as well as when woken:
// events committed by other processes (as deployed, the API processes
// commit and `zebra worker` chains, so this is its pace; replicas take
// turns on the chain head) or left behind by a process that stopped before
// linking them. While it finds work it looks again every
// chainerMinInterval, so each chaining transaction stays small and the
// chainer's work is spread evenly instead of arriving as bursts that
// delay requests (docs/performance.md); each look that finds nothing
// doubles the wait, up to chainerMaxInterval, so an idle chainer costs one
// one-row look at the queue a second.
const (
	chainerMinInterval = 25 * time.Millisecond
	chainerMaxInterval = time.Second
)

// nextLook is how long the chainer waits after a look that linked linked
// events, when it waited wait before it.
func nextLook(wait time.Duration, linked int) time.Duration {
	if linked > 0 {
		return chainerMinInterval
	}
	return min(2*wait, chainerMaxInterval)
}

// chainerLinger is how long the chainer lets commits accumulate after a
// wake before linking: under load one chain transaction (one WAL flush)
// then covers the events of many commands instead of a few, at the price
// of a tenth of a second before they are covered by verification, which
// nobody waits for (docs/performance.md).
const chainerLinger = 100 * time.Millisecond

// queueVacuumEvery is how many linked events make the chainer vacuum the
// queue (Store.VacuumQueue): under load, every few seconds. Without it,
// every look reads the dead rows left since the last autovacuum, up to a
// minute of writes (all of them where autovacuum is off;
// docs/performance.md).
const queueVacuumEvery = 5000

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
// after it is woken, and on its own at the pace of nextLook, and vacuums
// the queue every queueVacuumEvery events, until ctx ends. A failed pass
// is logged and retried at the next look.
func (c *Chainer) Run(ctx context.Context) error {
	wait := chainerMinInterval
	linked := 0 // since the last vacuum of the queue
	look := time.NewTimer(wait)
	defer look.Stop()
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
		case <-look.C:
		}
		n, err := c.store.Link(ctx)
		if err != nil && ctx.Err() == nil {
			c.log.Error("link audit events into the chain", zap.Error(err))
		}
		if linked += n; linked >= queueVacuumEvery {
			linked = 0
			if err := c.store.VacuumQueue(ctx); err != nil && ctx.Err() == nil {
				c.log.Warn("vacuum the audit queue", zap.Error(err))
			}
		}
		wait = nextLook(wait, n)
		look.Reset(wait)
	}
}
