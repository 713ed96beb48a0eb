package database_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/zebralabs/zebra/platform/database"
	"github.com/zebralabs/zebra/platform/dbtest"
)

// TestOpen_TracesStatementsWithoutTheirValues: every statement is a span
// of the platform's tracer provider, and the bound values (personal data,
// password hashes) are not in it.
func TestOpen_TracesStatementsWithoutTheirValues(t *testing.T) {
	t.Parallel()
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	db, err := database.Open(context.Background(), testConfig(t, dbtest.EmptyURL(t)), database.WithTracerProvider(tp))
	require.NoError(t, err)
	t.Cleanup(func() { _ = database.Close(db) })

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
