package outbox

import (
	"context"
	"sync/atomic"
	"time"

	"gorm.io/gorm"
)

// Signal wakes the relay of this process as soon as a transaction that
// wrote outbox rows commits, instead of waiting for the next poll. Wakes
// coalesce: many commits while the relay is busy make one more round.
type Signal struct {
	c chan struct{}
	// relays counts the relays of this process running on the signal.
	relays atomic.Int32
}

// NewSignal returns a signal nobody has raised yet.
func NewSignal() *Signal { return &Signal{c: make(chan struct{}, 1)} }

// Wake raises the signal; it never blocks.
func (s *Signal) Wake() {
	select {
	case s.c <- struct{}{}:
	default:
	}
}

// C is received from when the signal was raised.
func (s *Signal) C() <-chan struct{} { return s.c }

// attach records a relay running on s until the returned function is
// called.
func (s *Signal) attach() (detach func()) {
	s.relays.Add(1)
	return func() { s.relays.Add(-1) }
}

// local reports whether a relay of this process listens to s.
func (s *Signal) local() bool { return s.relays.Load() > 0 }

// notifier wakes the relays of other processes (LISTEN on Channel) after
// a commit that wrote outbox rows, when no relay of this process will
// take them: NOTIFY is sent after the commit, from a transaction of its
// own, never inside the command's transaction (PostgreSQL serialises
// every committing transaction that sent a NOTIFY on one lock held
// through the WAL flush, which capped audited writes at ~1 per flush:
// docs/performance.md). Wakes coalesce: at most one NOTIFY is in flight,
// followed by one more if commits happened meanwhile, and NOTIFYs are
// spaced by notifyInterval.
type notifier struct {
	db      *gorm.DB
	pending atomic.Bool
	running atomic.Bool
}

// notifyInterval spaces the NOTIFYs of one process. A woken relay lingers
// (linger) before its round and keeps going while it finds rows,
// so NOTIFYs closer together than that wake nobody, and each costs a
// transaction with a commit record of its own (a WAL flush) and one of the
// writer's pooled connections.
const notifyInterval = 20 * time.Millisecond

// wake asks for a NOTIFY; it never blocks.
func (n *notifier) wake() {
	n.pending.Store(true)
	if !n.running.CompareAndSwap(false, true) {
		return
	}
	go func() {
		for {
			n.pending.Store(false)
			began := time.Now()
			n.send()
			time.Sleep(notifyInterval - time.Since(began))
			n.running.Store(false)
			if !n.pending.Load() || !n.running.CompareAndSwap(false, true) {
				return
			}
		}
	}()
}

func (n *notifier) send() {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	// A lost NOTIFY costs the other relays one poll interval; nothing to do.
	// Raw: a function call, no table.
	_ = n.db.WithContext(ctx).Exec("SELECT pg_notify(?, '')", Channel).Error
}
