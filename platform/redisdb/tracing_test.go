package redisdb_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/zebralabs/zebra/platform/redisdb"
	"github.com/zebralabs/zebra/platform/redistest"
)

// TestOpen_TracesCommandsWithoutTheirArguments: every command is a span,
// and its arguments (tokens, personal data) are not in it.
func TestOpen_TracesCommandsWithoutTheirArguments(t *testing.T) {
	t.Parallel()
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	cfg := redistest.Config(t)
	client, err := redisdb.Open(context.Background(), cfg, redisdb.WithTracerProvider(tp))
	require.NoError(t, err)
	t.Cleanup(func() { _ = client.Close() })

	require.NoError(t, client.Set(context.Background(), redisdb.NewKeyspace(cfg).Key("k"), "s3cret-value", 0).Err())

	var names []string
	for _, s := range rec.Ended() {
		names = append(names, s.Name())
		for _, a := range s.Attributes() {
			assert.NotContains(t, a.Value.String(), "s3cret-value", "attribute %s of %s", a.Key, s.Name())
		}
	}
	assert.Contains(t, names, "set")
}
