package postgres

import (
	"context"
	"time"

	"go.uber.org/zap"
	"gorm.io/gorm"
)

// CleanupJob deletes what can no longer matter, in small batches: token
// families whose every token expired a day ago (a live family keeps its
// spent tokens, which is what detects reuse), one-time tokens a day past
// expiry, and mail delivery records older than the stream could redeliver.
// Several replicas running it at once only share the work.
type CleanupJob struct {
	db       *gorm.DB
	interval time.Duration
	log      *zap.Logger
}

// NewCleanupJob returns the job; it sweeps every interval.
func NewCleanupJob(db *gorm.DB, interval time.Duration, log *zap.Logger) *CleanupJob {
	if log == nil {
		log = zap.NewNop()
	}
	return &CleanupJob{db: db, interval: interval, log: log}
}

// Name implements background.Job.
func (j *CleanupJob) Name() string { return "identity-cleanup" }

// Run implements background.Job: it sweeps at once, then every interval,
// until ctx ends.
func (j *CleanupJob) Run(ctx context.Context) error {
	for {
		if n, err := j.Sweep(ctx, time.Now()); err != nil {
			j.log.Warn("identity cleanup failed; retrying next round", zap.Error(err))
		} else if n > 0 {
			j.log.Info("identity cleanup", zap.Int64("deleted", n))
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(j.interval):
		}
	}
}

const cleanupBatch = 1000

// Sweep deletes everything expired as of now and returns how many rows.
func (j *CleanupJob) Sweep(ctx context.Context, now time.Time) (int64, error) {
	// Raw SQL: batched deletes (PostgreSQL has no DELETE ... LIMIT), read
	// as one statement each rather than as nested gorm sub-builders.
	statements := []struct {
		sql string
		at  time.Time
	}{
		{`DELETE FROM identity.refresh_token_families WHERE id IN (
			SELECT f.id FROM identity.refresh_token_families f
			WHERE NOT EXISTS (SELECT 1 FROM identity.refresh_tokens t WHERE t.family_id = f.id AND t.expires_at > ?)
			LIMIT ?)`, now.Add(-24 * time.Hour)},
		{`DELETE FROM identity.one_time_tokens WHERE id IN (
			SELECT id FROM identity.one_time_tokens WHERE expires_at < ? LIMIT ?)`, now.Add(-24 * time.Hour)},
		{`DELETE FROM identity.mail_deliveries WHERE event_id IN (
			SELECT event_id FROM identity.mail_deliveries WHERE sent_at < ? LIMIT ?)`, now.Add(-30 * 24 * time.Hour)},
	}
	var total int64
	for _, st := range statements {
		for {
			res := j.db.WithContext(ctx).Exec(st.sql, st.at, cleanupBatch)
			if res.Error != nil {
				return total, wrap("identity cleanup", res.Error)
			}
			total += res.RowsAffected
			if res.RowsAffected < cleanupBatch {
				break
			}
		}
	}
	return total, nil
}
