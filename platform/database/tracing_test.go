package database_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"gorm.io/gorm"

	"github.com/zebralabs/zebra/platform/database"
	"github.com/zebralabs/zebra/platform/dbtest"
)

// TestOpen_TracesStatementsWithoutTheirValues: every statement of a traced
// operation is a span of the platform's tracer provider, named by its
// operation, with its text; neither its attributes, its status nor its
// events carry the bound values (personal data, password hashes), even
// when the server's error DETAIL quotes them.
func TestOpen_TracesStatementsWithoutTheirValues(t *testing.T) {
	t.Parallel()
	db, tp, rec := tracedDB(t)
	require.NoError(t, db.Exec("CREATE TABLE secrets (v text PRIMARY KEY)").Error)
	ctx, parent := tp.Tracer("test").Start(context.Background(), "request")
	require.NoError(t, db.WithContext(ctx).Exec("INSERT INTO secrets (v) VALUES (?)", "s3cret-value").Error)
	require.Error(t, db.WithContext(ctx).Exec("INSERT INTO secrets (v) VALUES (?)", "s3cret-value").Error, "duplicate key")
	var got string
	require.NoError(t, db.WithContext(ctx).Raw("SELECT ?::text", "s3cret-value").Row().Scan(&got))
	parent.End()

	var inserts, selects []sdktrace.ReadOnlySpan
	for _, s := range rec.Ended() {
		for _, a := range s.Attributes() {
			assert.NotContains(t, a.Value.String(), "s3cret-value", "attribute %s of %s", a.Key, s.Name())
		}
		for _, e := range s.Events() {
			for _, a := range e.Attributes {
				assert.NotContains(t, a.Value.String(), "s3cret-value", "event %s of %s", e.Name, s.Name())
			}
		}
		assert.NotContains(t, s.Status().Description, "s3cret-value", "status of %s", s.Name())
		if attr(s, "pgx.prepare_stmt.name") != "" {
			continue // the statement's preparation, once per connection
		}
		switch s.Name() {
		case "INSERT":
			inserts = append(inserts, s)
		case "SELECT":
			selects = append(selects, s)
		}
	}
	require.Len(t, inserts, 2)
	require.Len(t, selects, 1)
	assert.Equal(t, "SELECT $1::text", attr(selects[0], "db.query.text"))
	assert.Equal(t, "INSERT INTO secrets (v) VALUES ($1)", attr(inserts[0], "db.query.text"))
	assert.Equal(t, "postgresql", attr(inserts[0], "db.system.name"))
	assert.Equal(t, parent.SpanContext().SpanID(), inserts[0].Parent().SpanID())
	assert.Equal(t, codes.Unset, inserts[0].Status().Code)
	assert.Equal(t, codes.Error, inserts[1].Status().Code)
	assert.True(t, strings.Contains(inserts[1].Status().Description, "SQLSTATE 23505"), inserts[1].Status().Description)
}

// attr is the value of span s's attribute key, "" without one.
func attr(s sdktrace.ReadOnlySpan, key string) string {
	for _, a := range s.Attributes() {
		if string(a.Key) == key {
			return a.Value.String()
		}
	}
	return ""
}

// tracedDB opens a fresh database whose statements are recorded as spans
// of the returned provider by the returned recorder.
func tracedDB(t *testing.T) (*gorm.DB, *sdktrace.TracerProvider, *tracetest.SpanRecorder) {
	t.Helper()
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	db, err := database.Open(context.Background(), testConfig(t, dbtest.EmptyURL(t)), database.WithTracerProvider(tp))
	require.NoError(t, err)
	t.Cleanup(func() { _ = database.Close(db) })
	return db, tp, rec
}
