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

// TestOpen_TracesStatementsWithoutTheirValues: every statement is a span
// of the platform's tracer provider, and the bound values (personal data,
// password hashes) are not in it.
func TestOpen_TracesStatementsWithoutTheirValues(t *testing.T) {
	t.Parallel()
	db, rec := tracedDB(t)

	var got string
	require.NoError(t, db.WithContext(context.Background()).Raw("SELECT ?::text", "s3cret-value").Row().Scan(&got))
	require.Equal(t, "s3cret-value", got)

	spans := rec.Ended()
	require.NotEmpty(t, spans)
	var query string
	for _, s := range spans {
		for _, a := range s.Attributes() {
			if a.Key == "db.query.text" {
				query = a.Value.AsString()
			}
			assert.NotContains(t, a.Value.String(), "s3cret-value", "attribute %s", a.Key)
		}
	}
	assert.True(t, strings.HasPrefix(query, "SELECT $1::text"), "db.query.text = %q", query)
}

// TestDirectStatementsAreTraced: Exec is traced by the driver like gorm's
// statements: named by its operation, with its text and without its
// values, and a failure's status names the SQLSTATE but not the DETAIL,
// which quotes the values.
func TestDirectStatementsAreTraced(t *testing.T) {
	t.Parallel()
	db, rec := tracedDB(t, "CREATE TABLE secrets (v text PRIMARY KEY)")
	ctx := context.Background()
	_, err := database.Exec(ctx, db, "INSERT INTO secrets (v) VALUES ($1)", "s3cret-value")
	require.NoError(t, err)
	_, err = database.Exec(ctx, db, "INSERT INTO secrets (v) VALUES ($1)", "s3cret-value")
	require.Error(t, err, "duplicate key")

	var inserts []sdktrace.ReadOnlySpan
	for _, s := range rec.Ended() {
		for _, a := range s.Attributes() {
			assert.NotContains(t, a.Value.String(), "s3cret-value", "attribute %s of %s", a.Key, s.Name())
		}
		assert.NotContains(t, s.Status().Description, "s3cret-value", "status of %s", s.Name())
		if s.Name() == "INSERT" {
			inserts = append(inserts, s)
		}
	}
	require.Len(t, inserts, 2)
	attrs := map[string]string{}
	for _, a := range inserts[0].Attributes() {
		attrs[string(a.Key)] = a.Value.String()
	}
	assert.Equal(t, "INSERT INTO secrets (v) VALUES ($1)", attrs["db.query.text"])
	assert.Equal(t, "postgresql", attrs["db.system.name"])
	assert.Equal(t, codes.Unset, inserts[0].Status().Code)
	assert.Equal(t, codes.Error, inserts[1].Status().Code)
	assert.True(t, strings.HasPrefix(inserts[1].Status().Description, "23505: duplicate key"), inserts[1].Status().Description)
}

// tracedDB opens a fresh database, with the tables of ddl, whose statements
// are recorded as spans by the returned recorder.
func tracedDB(t *testing.T, ddl ...string) (*gorm.DB, *tracetest.SpanRecorder) {
	t.Helper()
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	db, err := database.Open(context.Background(), testConfig(t, dbtest.EmptyURL(t)), database.WithTracerProvider(tp))
	require.NoError(t, err)
	t.Cleanup(func() { _ = database.Close(db) })
	for _, stmt := range ddl {
		require.NoError(t, db.Exec(stmt).Error)
	}
	return db, rec
}
