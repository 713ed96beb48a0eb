package outbox

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/redis/go-redis/v9"
	"go.uber.org/zap"
	"gorm.io/gorm"

	"github.com/zebralabs/zebra/platform/config"
	"github.com/zebralabs/zebra/platform/database"
	"github.com/zebralabs/zebra/platform/redisdb"
	"github.com/zebralabs/zebra/platform/stream"
)

// Options tune the relay. OptionsFrom reads them from configuration.
type Options struct {
	// BatchSize is how many rows one round claims.
	BatchSize int
	// PollInterval is how long an idle relay waits when nothing wakes it.
	PollInterval time.Duration
	// MaxAttempts is how many failed XADDs park a row as dead.
	MaxAttempts int
	// Retention is how long published rows are kept before pruning.
	Retention time.Duration
	// RetryBase and RetryMax bound the exponential backoff between
	// attempts of one row, and between rounds while Redis is unreachable.
	RetryBase time.Duration
	RetryMax  time.Duration
	// ListenURL is the Postgres URL for LISTEN platform_outbox, which
	// wakes this relay when another process commits events; empty: poll.
	ListenURL string
}

// OptionsFrom returns the relay options of cfg.
func OptionsFrom(cfg config.Config) Options {
	return Options{
		BatchSize:    cfg.Outbox.BatchSize,
		PollInterval: cfg.Outbox.PollInterval,
		MaxAttempts:  cfg.Outbox.MaxAttempts,
		Retention:    cfg.Outbox.Retention,
		ListenURL:    cfg.Database.URL,
	}.withDefaults()
}

func (o Options) withDefaults() Options {
	if o.BatchSize <= 0 {
		o.BatchSize = 100
	}
	if o.PollInterval <= 0 {
		o.PollInterval = time.Second
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 10
	}
	if o.Retention <= 0 {
		o.Retention = 7 * 24 * time.Hour
	}
	if o.RetryBase <= 0 {
		o.RetryBase = time.Second
	}
	if o.RetryMax <= 0 {
		o.RetryMax = 5 * time.Minute
	}
	return o
}

const (
	// pruneEvery is how often published rows are pruned.
	pruneEvery = time.Minute
	// maxStreamLen trims each stream to about this many entries.
	maxStreamLen = 1_000_000
	// roundTimeout bounds one claim-publish-mark round.
	roundTimeout = 30 * time.Second
	// linger is how long the relay lets events accumulate after a wake or
	// a partial batch before the next round: some milliseconds of latency
	// buy batches instead of one round (four statements, one commit) per
	// event (docs/performance.md).
	linger = 25 * time.Millisecond
)

// ErrRedisUnavailable is wrapped by RunOnce when Redis could not be
// reached: the round is rolled back without counting an attempt against
// any row, since an outage is not the event's fault.
var ErrRedisUnavailable = errors.New("redis unavailable")

// Relay moves committed outbox rows to Redis Streams. Any number of relays
// may run against one database: each round claims a batch with FOR UPDATE
// SKIP LOCKED, so they share the work without waiting on each other.
type Relay struct {
	db      *gorm.DB
	uow     *database.UnitOfWork // each round is one transaction
	rdb     redis.UniversalClient
	ks      redisdb.Keyspace
	opts    Options
	signal  *Signal
	metrics *Metrics
	log     *zap.Logger

	// afterPublish runs between XADD and marking; tests use it to crash
	// a relay at the worst moment.
	afterPublish func(ctx context.Context) error
}

// NewRelay returns a relay. It starts nothing: Run does.
func NewRelay(db *gorm.DB, rdb redis.UniversalClient, ks redisdb.Keyspace, opts Options, signal *Signal, metrics *Metrics, log *zap.Logger) *Relay {
	return &Relay{db: db, uow: database.NewUnitOfWork(db), rdb: rdb, ks: ks, opts: opts.withDefaults(), signal: signal, metrics: metrics, log: log}
}

// Name names the background job.
func (r *Relay) Name() string { return "outbox-relay" }

// Run relays until ctx is cancelled: a round, then another at once while
// rounds find work, else a wait for a commit in this process (Signal),
// a NOTIFY from another, or the poll interval. While Redis is unreachable
// it backs off exponentially with jitter. It prunes published rows every
// minute. It returns nil when ctx ends.
func (r *Relay) Run(ctx context.Context) error {
	defer r.signal.attach()()
	notified := make(chan struct{}, 1)
	if r.opts.ListenURL != "" {
		go listen(ctx, r.opts.ListenURL, notified, r.log)
	}
	failures := 0
	nextPrune := time.Now()
	for ctx.Err() == nil {
		if !time.Now().Before(nextPrune) {
			if _, err := r.Prune(ctx); err != nil && ctx.Err() == nil {
				r.log.Warn("outbox: prune failed", zap.Error(err))
			}
			nextPrune = time.Now().Add(pruneEvery)
		}
		n, err := r.RunOnce(ctx)
		if err != nil {
			failures++
			// Round failures are outages (Redis or Postgres unreachable):
			// retry soon, then less and less often, up to 30s.
			delay := stream.Backoff(failures, 100*time.Millisecond, min(30*time.Second, r.opts.RetryMax))
			r.log.Warn("outbox: relay round failed, backing off", zap.Error(err), zap.Duration("delay", delay))
			wait(ctx, delay, nil, nil)
			continue
		}
		failures = 0
		switch {
		case n >= r.opts.BatchSize:
			continue // more is waiting
		case n > 0:
			wait(ctx, linger, nil, nil) // a trickle: let it accumulate
			continue
		}
		if wait(ctx, r.opts.PollInterval, r.signal.C(), notified) {
			wait(ctx, linger, nil, nil)
		}
	}
	return nil
}

// wait returns after d, or when one of the channels fires (then it
// reports true), or ctx ends.
func wait(ctx context.Context, d time.Duration, a, b <-chan struct{}) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	case <-a:
		return true
	case <-b:
		return true
	}
	return false
}

// row is a claimed outbox row.
type row struct {
	// TID is where the row version locked by the claim lives: the mark
	// finds it there (a TID scan, no index lookup), and nothing can move
	// it while the round's transaction holds the lock.
	TID           pgtype.TID `gorm:"column:ctid"`
	ID            uuid.UUID
	AggregateType string
	AggregateID   string
	EventType     string
	Payload       string
	RequestID     string
	TraceParent   string `gorm:"column:traceparent"`
	TraceState    string `gorm:"column:tracestate"`
	CreatedAt     time.Time
	Attempts      int
}

// claimSQL locks up to a batch of due rows that no other relay holds, in
// insertion order, and keeps only those with no earlier unpublished row of
// the same aggregate outside the batch: an earlier event that another
// relay is publishing, that waits for a retry or that is dead holds the
// later ones back, so each aggregate's events reach the stream in order.
// The locking scan reads whole rows, so they are not fetched again.
// Raw SQL: gorm has no WITH, and the guard refers to the locked batch twice.
const claimSQL = `
WITH batch AS (
  SELECT ctid, id, seq, aggregate_type, aggregate_id, event_type, payload::text AS payload,
         request_id, traceparent, tracestate, created_at, attempts
  FROM platform.outbox
  WHERE published_at IS NULL AND dead_at IS NULL AND next_attempt_at <= now()
  ORDER BY seq
  LIMIT ?
  FOR UPDATE SKIP LOCKED
)
SELECT b.* FROM batch b
WHERE NOT EXISTS (
  SELECT 1 FROM platform.outbox p
  WHERE p.aggregate_type = b.aggregate_type AND p.aggregate_id = b.aggregate_id
    AND p.published_at IS NULL AND p.seq < b.seq
    AND p.id NOT IN (SELECT id FROM batch))
ORDER BY b.seq`

// RunOnce runs one round in one transaction: claim a batch, XADD each
// event to its stream in one pipeline, mark the published rows and
// reschedule (or park as dead) the ones Redis refused, commit. It returns
// how many rows it claimed. A crash after XADD and before commit leaves
// the rows unpublished, so another relay sends them again: at least once.
// The round runs under its own timeout, not ctx, so stopping the process
// finishes the round in flight instead of resending it.
func (r *Relay) RunOnce(ctx context.Context) (int, error) {
	if ctx.Err() != nil {
		return 0, ctx.Err()
	}
	roundCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), roundTimeout)
	defer cancel()
	n := 0
	err := r.uow.Do(roundCtx, func(txCtx context.Context) error {
		tx := database.Conn(txCtx, r.db)
		var rows []row
		if err := tx.Raw(claimSQL, r.opts.BatchSize).Scan(&rows).Error; err != nil {
			return fmt.Errorf("claim outbox rows: %w", err)
		}
		n = len(rows)
		if n == 0 {
			return nil
		}
		failed, err := r.publish(roundCtx, rows)
		if err != nil {
			return err
		}
		if r.afterPublish != nil {
			if err := r.afterPublish(ctx); err != nil {
				return err
			}
		}
		return r.mark(tx, rows, failed)
	})
	return n, err
}

// publish sends rows in one pipeline. Redis runs a pipeline in order and a
// broken connection stops it, so what was sent is always a prefix of the
// batch. It returns Redis' per-row refusals; a transport failure fails the
// whole round with ErrRedisUnavailable.
func (r *Relay) publish(ctx context.Context, rows []row) (map[uuid.UUID]error, error) {
	pipe := r.rdb.Pipeline()
	cmds := make([]*redis.StringCmd, len(rows))
	for i, o := range rows {
		m := stream.Message{
			EventID: o.ID.String(), Type: o.EventType, AggregateType: o.AggregateType, AggregateID: o.AggregateID,
			Payload: []byte(o.Payload), RequestID: o.RequestID, TraceParent: o.TraceParent, TraceState: o.TraceState,
			OccurredAt: o.CreatedAt,
		}
		cmds[i] = pipe.XAdd(ctx, &redis.XAddArgs{Stream: stream.Name(r.ks, o.AggregateType), Values: m.Values(), MaxLen: maxStreamLen, Approx: true})
	}
	_, err := pipe.Exec(ctx)
	var redisErr redis.Error
	if err != nil && !errors.As(err, &redisErr) {
		r.metrics.publishFailures.Add(float64(len(rows)))
		return nil, fmt.Errorf("%w: %w", ErrRedisUnavailable, err)
	}
	failed := map[uuid.UUID]error{}
	for i, c := range cmds {
		if c.Err() != nil {
			failed[rows[i].ID] = c.Err()
		}
	}
	return failed, nil
}

// mark records the outcome of a round in its transaction tx: one UPDATE
// for the published rows, one per refused row. Rows are in seq order;
// after a refused row, later refused rows of the same aggregate are left
// as they were (no attempt counted): they would have waited for the
// earlier one anyway, and now do, since it is unpublished.
func (r *Relay) mark(tx *gorm.DB, rows []row, failed map[uuid.UUID]error) error {
	published := make([]pgtype.TID, 0, len(rows))
	held := map[[2]string]bool{}
	for _, o := range rows {
		cause, bad := failed[o.ID]
		if !bad {
			published = append(published, o.TID)
			continue
		}
		agg := [2]string{o.AggregateType, o.AggregateID}
		if held[agg] {
			continue
		}
		held[agg] = true
		if err := r.reschedule(tx, o, cause); err != nil {
			return err
		}
	}
	if len(published) > 0 {
		err := tx.Model(&record{}).Where("ctid IN ?", published).
			Updates(map[string]any{"published_at": gorm.Expr("now()"), "last_error": nil}).Error
		if err != nil {
			return fmt.Errorf("mark outbox rows published: %w", err)
		}
	}
	r.metrics.published.Add(float64(len(published)))
	return nil
}

// reschedule counts a failed attempt of o: it is due again after an
// exponential backoff, or parked as dead after MaxAttempts.
func (r *Relay) reschedule(tx *gorm.DB, o row, cause error) error {
	attempt := o.Attempts + 1
	dead := attempt >= r.opts.MaxAttempts
	delay := stream.Backoff(attempt, r.opts.RetryBase, r.opts.RetryMax)
	changes := map[string]any{
		"attempts":        attempt,
		"last_error":      truncate(cause.Error(), 1000),
		"next_attempt_at": gorm.Expr("now() + make_interval(secs => ?)", delay.Seconds()),
	}
	if dead {
		changes["dead_at"] = gorm.Expr("now()")
	}
	if err := tx.Model(&record{}).Where("ctid = ?", o.TID).Updates(changes).Error; err != nil {
		return fmt.Errorf("reschedule outbox row %s: %w", o.ID, err)
	}
	r.metrics.publishFailures.Inc()
	if dead {
		r.metrics.dead.Inc()
		r.log.Error("outbox: event parked as dead", zap.Stringer("id", o.ID), zap.String("type", o.EventType), zap.Int("attempts", attempt), zap.Error(cause))
	}
	return nil
}

// pruneChunk bounds one DELETE of Prune.
const pruneChunk = 1000

// Prune deletes published rows older than the retention, in chunks, so a
// large backlog of old rows never becomes one long delete.
func (r *Relay) Prune(ctx context.Context) (int64, error) {
	db := r.db.WithContext(ctx)
	var total int64
	for {
		old := db.Model(&record{}).Select("seq").
			Where("published_at IS NOT NULL AND published_at < now() - make_interval(secs => ?)", r.opts.Retention.Seconds()).
			Limit(pruneChunk)
		res := db.Where("seq IN (?)", old).Delete(&record{})
		if res.Error != nil {
			return total, fmt.Errorf("prune outbox: %w", res.Error)
		}
		total += res.RowsAffected
		if res.RowsAffected < pruneChunk {
			return total, nil
		}
	}
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}
