package outbox

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"

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

// Publish writes events in the transaction of ctx (or in a statement of
// its own outside one), with the request id and W3C trace context of ctx.
// IDs are filled with UUIDv7s when zero. Nothing is sent anywhere until
// the transaction commits and the relay picks the rows up.
func (w *Writer) Publish(ctx context.Context, events ...Event) error {
	if len(events) == 0 {
		return nil
	}
	carrier := propagation.MapCarrier{}
	propagation.TraceContext{}.Inject(ctx, carrier)
	rid := requestid.From(ctx)

	var sql strings.Builder
	sql.WriteString("INSERT INTO platform.outbox (id, aggregate_type, aggregate_id, event_type, payload, request_id, traceparent, tracestate) VALUES ")
	args := make([]any, 0, len(events)*8)
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
		if e.ID == [16]byte{} {
			e.ID = id.New()
		}
		if i > 0 {
			sql.WriteString(", ")
		}
		database.Tuple(&sql, len(args)+1, 8)
		args = append(args, e.ID, e.AggregateType, e.AggregateID, e.Type, string(payload), rid,
			carrier.Get("traceparent"), carrier.Get("tracestate"))
	}
	if err := database.Defer(ctx, w.db, sql.String(), args...); err != nil {
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
