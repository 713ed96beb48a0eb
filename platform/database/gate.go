package database

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"gorm.io/gorm"

	"github.com/zebralabs/zebra/platform/apperr"
)

// ErrPoolExhausted is the cause of the unavailable error a caller gets when
// no pooled connection became free within DATABASE_ACQUIRE_TIMEOUT.
var ErrPoolExhausted = errors.New("database pool exhausted")

// gateName names the gate among gorm's plugins, where the unit of work
// finds it.
const gateName = "zebra:pool-gate"

// poolGate bounds how long a caller waits for a pooled connection.
// database/sql queues a caller for a connection until its context ends, so
// when every connection is busy, requests pile up for their whole deadline
// and then all fail with 504. The gate admits at most as many callers as
// the pool has connections and makes the others wait at most its timeout,
// then answer 503 unavailable: a fast, retryable refusal instead of an
// unbounded queue. A unit of work holds one slot from BEGIN to COMMIT; a
// statement outside one holds a slot while it runs.
type poolGate struct {
	slots chan struct{}
	wait  time.Duration
}

func newPoolGate(size int, wait time.Duration) *poolGate {
	return &poolGate{slots: make(chan struct{}, max(size, 1)), wait: wait}
}

// Name implements gorm.Plugin.
func (g *poolGate) Name() string { return gateName }

// Initialize implements gorm.Plugin: every statement that does not run in
// a transaction takes a slot before and gives it back after.
func (g *poolGate) Initialize(db *gorm.DB) error {
	cb := db.Callback()
	return errors.Join(
		cb.Create().Before("*").Register(gateName+":acquire", g.before),
		cb.Create().After("*").Register(gateName+":release", g.after),
		cb.Query().Before("*").Register(gateName+":acquire", g.before),
		cb.Query().After("*").Register(gateName+":release", g.after),
		cb.Update().Before("*").Register(gateName+":acquire", g.before),
		cb.Update().After("*").Register(gateName+":release", g.after),
		cb.Delete().Before("*").Register(gateName+":acquire", g.before),
		cb.Delete().After("*").Register(gateName+":release", g.after),
		cb.Row().Before("*").Register(gateName+":acquire", g.before),
		cb.Row().After("*").Register(gateName+":release", g.after),
		cb.Raw().Before("*").Register(gateName+":acquire", g.before),
		cb.Raw().After("*").Register(gateName+":release", g.after),
	)
}

// slotHeld marks, in a statement's settings, that it holds a slot. The
// statement's address is part of the key because gorm copies settings into
// the statements it derives from this one.
type slotHeld struct{ stmt *gorm.Statement }

func (g *poolGate) before(db *gorm.DB) {
	if _, inTx := db.Statement.ConnPool.(gorm.TxCommitter); inTx || db.Error != nil {
		return // the unit of work holds the slot of its transaction
	}
	if err := g.acquire(db.Statement.Context); err != nil {
		_ = db.AddError(err)
		return
	}
	db.Statement.Settings.Store(slotHeld{db.Statement}, true)
}

func (g *poolGate) after(db *gorm.DB) {
	if _, held := db.Statement.Settings.LoadAndDelete(slotHeld{db.Statement}); held {
		<-g.slots
	}
}

// acquire takes a slot, waiting at most g.wait (and never past ctx). It
// returns unavailable when the wait runs out, timeout when ctx does.
func (g *poolGate) acquire(ctx context.Context) error {
	select {
	case g.slots <- struct{}{}:
		return nil
	default:
	}
	timer := time.NewTimer(g.wait)
	defer timer.Stop()
	select {
	case g.slots <- struct{}{}:
		return nil
	case <-ctx.Done():
		return apperr.Timeout(fmt.Errorf("wait for a database connection: %w", ctx.Err()))
	case <-timer.C:
		return apperr.Unavailable(fmt.Errorf("%w: no connection free within %s", ErrPoolExhausted, g.wait))
	}
}

// holdSlot takes a slot of db's gate for a unit of work, when db has a
// gate; release gives it back and may be called more than once.
func holdSlot(ctx context.Context, db *gorm.DB) (release func(), err error) {
	g, ok := db.Plugins[gateName].(*poolGate)
	if !ok {
		return func() {}, nil
	}
	if err := g.acquire(ctx); err != nil {
		return nil, err
	}
	return sync.OnceFunc(func() { <-g.slots }), nil
}
