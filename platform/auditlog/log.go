package auditlog

import (
	"context"
	"fmt"
	"time"

	"go.uber.org/zap"

	"github.com/zebralabs/zebra/platform/database"
	"github.com/zebralabs/zebra/platform/id"
	"github.com/zebralabs/zebra/platform/redact"
	"github.com/zebralabs/zebra/platform/requestid"
)

// LogRecorder writes each event as one structured log line, once the unit
// of work it belongs to has committed: the recorder of an app with no
// module that stores the events (development, or a trimmed binary).
type LogRecorder struct {
	log *zap.Logger
}

// NewLogRecorder returns a recorder writing to log.
func NewLogRecorder(log *zap.Logger) *LogRecorder {
	return &LogRecorder{log: log.Named("auditlog")}
}

var _ Recorder = (*LogRecorder)(nil)

// Record fills the event's defaults, strips sensitive keys from its
// documents and logs it after the unit of work of ctx commits (at once
// outside one), so a rolled-back change leaves no line.
func (r *LogRecorder) Record(ctx context.Context, e Event) error {
	if e.ID == [16]byte{} {
		e.ID = id.New()
	}
	if e.OccurredAt.IsZero() {
		e.OccurredAt = time.Now()
	}
	if e.RequestID == "" {
		e.RequestID = requestid.From(ctx)
	}
	fields := []zap.Field{
		zap.Stringer("eventId", e.ID), zap.Time("occurredAt", e.OccurredAt), zap.String("actor", e.Actor),
		zap.String("action", e.Action), zap.String("entityType", e.EntityType), zap.String("entityId", e.EntityID),
		zap.String("requestId", e.RequestID),
	}
	docs := []struct {
		name string
		v    any
	}{{"before", e.Before}, {"after", e.After}, {"metadata", e.Metadata}}
	for _, d := range docs {
		if d.v == nil || d.name == "metadata" && len(e.Metadata) == 0 {
			continue
		}
		b, err := redact.Marshal(d.v)
		if err != nil {
			return fmt.Errorf("record %s: %s: %w", e.Action, d.name, err)
		}
		fields = append(fields, zap.Reflect(d.name, b)) // raw JSON, logged as the document itself
	}
	database.AfterCommit(ctx, func(context.Context) { r.log.Info("audit-log event", fields...) })
	return nil
}
