package database

import (
	"context"
	"errors"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"go.opentelemetry.io/otel/codes"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"
)

// queryTracer traces every statement pgx sends (gorm's, the direct ones of
// Exec and Query, BEGIN and COMMIT) as a client span. It sits in the
// driver rather than in gorm so that statements which skip gorm's builder
// on hot paths are traced the same way.
//
// A span carries the statement's text with its placeholders and never the
// values bound to them (personal data, password hashes), and a failed
// statement records only the SQLSTATE and the server's message, whose
// DETAIL (which may quote values) is left out.
type queryTracer struct{ tracer trace.Tracer }

var (
	_ pgx.QueryTracer = queryTracer{}
	_ pgx.BatchTracer = queryTracer{}
)

// TraceQueryStart implements pgx.QueryTracer.
func (t queryTracer) TraceQueryStart(ctx context.Context, _ *pgx.Conn, data pgx.TraceQueryStartData) context.Context {
	op := operation(data.SQL)
	ctx, span := t.tracer.Start(ctx, op, trace.WithSpanKind(trace.SpanKindClient))
	if span.IsRecording() {
		span.SetAttributes(semconv.DBSystemNamePostgreSQL, semconv.DBOperationName(op), semconv.DBQueryText(data.SQL))
	}
	return ctx
}

// TraceQueryEnd implements pgx.QueryTracer.
func (t queryTracer) TraceQueryEnd(ctx context.Context, _ *pgx.Conn, data pgx.TraceQueryEndData) {
	span := trace.SpanFromContext(ctx)
	if data.Err != nil && span.IsRecording() {
		var pgErr *pgconn.PgError
		if errors.As(data.Err, &pgErr) {
			span.SetAttributes(semconv.DBResponseStatusCode(pgErr.Code))
			span.SetStatus(codes.Error, pgErr.Code+": "+pgErr.Message)
		} else {
			span.SetStatus(codes.Error, data.Err.Error())
		}
	}
	span.End()
}

// TraceBatchStart implements pgx.BatchTracer: a batch (deferred statements
// sent with the next one or the COMMIT, Defer) is a span named BATCH, and
// each of its statements a child span, with its text and outcome like any
// statement's; the children's timing is the batch's, which is one round trip.
func (t queryTracer) TraceBatchStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceBatchStartData) context.Context {
	ctx, _ = t.tracer.Start(ctx, "BATCH", trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(semconv.DBSystemNamePostgreSQL))
	return ctx
}

// TraceBatchQuery implements pgx.BatchTracer.
func (t queryTracer) TraceBatchQuery(ctx context.Context, conn *pgx.Conn, data pgx.TraceBatchQueryData) {
	if !trace.SpanFromContext(ctx).IsRecording() {
		return
	}
	ctx = t.TraceQueryStart(ctx, conn, pgx.TraceQueryStartData{SQL: data.SQL})
	t.TraceQueryEnd(ctx, conn, pgx.TraceQueryEndData{CommandTag: data.CommandTag, Err: data.Err})
}

// TraceBatchEnd implements pgx.BatchTracer.
func (t queryTracer) TraceBatchEnd(ctx context.Context, conn *pgx.Conn, data pgx.TraceBatchEndData) {
	t.TraceQueryEnd(ctx, conn, pgx.TraceQueryEndData{Err: data.Err})
}

// operation is the statement's first keyword in upper case (SELECT,
// INSERT, WITH, BEGIN...), the span's name: low-cardinality, unlike the
// statement text.
func operation(sql string) string {
	sql = strings.TrimLeft(sql, " \t\r\n(")
	end := strings.IndexAny(sql, " \t\r\n(;")
	if end < 0 {
		end = len(sql)
	}
	if end == 0 {
		return "SQL"
	}
	return strings.ToUpper(sql[:end])
}
