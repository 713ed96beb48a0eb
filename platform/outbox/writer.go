package outbox

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"

	"github.com/google/uuid"
	"go.opentelemetry.io/otel/propagation"
	"gorm.io/gorm"

	"github.com/zebralabs/zebra/platform/database"
	"github.com/zebralabs/zebra/platform/id"
	"github.com/zebralabs/zebra/platform/requestid"
)

// aggregateTypeRule keeps aggregate types usable as stream key parts.
var aggregateTypeRule = regexp.MustCompile(`^[a-z][a-z0-9_.-]{0,62}$`)

// Writer is the Publisher over the unit of work: Publish inserts the
// events into platform.outbox through the transaction of ctx and, once it
// commits, wakes the relay of this process, or, when none runs here, the
// relays of other processes (NOTIFY after the commit, see notifier).
type Writer struct {
	db       *gorm.DB
	signal   *Signal
	notifier *notifier
}

var _ Publisher = (*Writer)(nil)

// NewWriter returns a Writer over db that wakes signal after commit.
func NewWriter(db *gorm.DB, signal *Signal) *Writer {
	return &Writer{db: db, signal: signal, notifier: &notifier{db: db}}
}

// record is a row of platform.outbox as the Writer inserts it: seq,
// created_at and the relay's columns take their defaults.
type record struct {
	ID            uuid.UUID `gorm:"primaryKey"`
	AggregateType string
	AggregateID   string
	EventType     string
	Payload       string `gorm:"type:jsonb"`
	RequestID     string
	TraceParent   string `gorm:"column:traceparent"`
	TraceState    string `gorm:"column:tracestate"`
}

// TableName implements gorm's tabler (schema/platform.hcl).
func (record) TableName() string { return "platform.outbox" }

// Publish writes events in the transaction of ctx (or in a statement of
// its own outside one), with the request id and W3C trace context of ctx,
// as one INSERT. IDs are filled with UUIDv7s when zero. Nothing is sent
// anywhere until the transaction commits and the relay picks the rows up.
func (w *Writer) Publish(ctx context.Context, events ...Event) error {
	if len(events) == 0 {
		return nil
	}
	carrier := propagation.MapCarrier{}
	propagation.TraceContext{}.Inject(ctx, carrier)
	rows := make([]record, len(events))
	for i, e := range events {
		if !aggregateTypeRule.MatchString(e.AggregateType) {
			return fmt.Errorf("publish %s: aggregate type %q must match %s", e.Type, e.AggregateType, aggregateTypeRule)
		}
		if e.Type == "" {
			return fmt.Errorf("publish event of %s %s: type is required", e.AggregateType, e.AggregateID)
		}
		payload, err := json.Marshal(e.Payload)
		if err != nil {
			return fmt.Errorf("publish %s: marshal payload: %w", e.Type, err)
		}
		if e.ID == (uuid.UUID{}) {
			e.ID = id.New()
		}
		rows[i] = record{
			ID: e.ID, AggregateType: e.AggregateType, AggregateID: e.AggregateID, EventType: e.Type,
			Payload: string(payload), RequestID: requestid.From(ctx),
			TraceParent: carrier.Get("traceparent"), TraceState: carrier.Get("tracestate"),
		}
	}
	if err := database.Conn(ctx, w.db).Create(&rows).Error; err != nil {
		return database.Translate(fmt.Errorf("write outbox events: %w", err))
	}
	database.AfterCommit(ctx, func(context.Context) {
		w.signal.Wake()
		if !w.signal.local() {
			w.notifier.wake()
		}
	})
	return nil
}
