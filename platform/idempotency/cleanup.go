package idempotency

import (
	"context"
	"time"

	"go.uber.org/zap"
)

// cleanupBatch bounds one DELETE, so the cleanup never holds many locks.
const cleanupBatch = 1000

// CleanupJob deletes outcomes past their retention, every interval. It is
// a background.Job: `zebra worker` (and `zebra serve`, unless
// JOBS_IN_SERVE=false) runs it; several replicas running it at once only
// share the work.
type CleanupJob struct {
	store    *Store
	interval time.Duration
	log      *zap.Logger
}

// NewCleanupJob returns the job.
func NewCleanupJob(store *Store, cfg Config, log *zap.Logger) *CleanupJob {
	return &CleanupJob{store: store, interval: cfg.CleanupInterval, log: log}
}

// Name implements background.Job.
func (j *CleanupJob) Name() string { return "idempotency-cleanup" }

// Run implements background.Job: it sweeps at once, then every interval,
// until ctx is cancelled.
func (j *CleanupJob) Run(ctx context.Context) error {
	t := time.NewTicker(j.interval)
	defer t.Stop()
	for {
		if n, err := j.Sweep(ctx); err != nil && ctx.Err() == nil {
			j.log.Warn("idempotency cleanup failed", zap.Error(err))
		} else if n > 0 {
			j.log.Info("idempotency keys expired", zap.Int64("deleted", n))
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// Sweep deletes every expired outcome, batch by batch, and returns how
// many it deleted.
func (j *CleanupJob) Sweep(ctx context.Context) (int64, error) {
	var total int64
	for {
		n, err := j.store.DeleteExpired(ctx, cleanupBatch)
		total += n
		if err != nil || n < cleanupBatch {
			return total, err
		}
	}
}
