package health_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"

	"github.com/zebralabs/zebra/platform/config"
	"github.com/zebralabs/zebra/platform/database"
	"github.com/zebralabs/zebra/platform/dbtest"
	"github.com/zebralabs/zebra/platform/health"
	"github.com/zebralabs/zebra/platform/redistest"
)

func TestChecks_AgainstRealDependencies(t *testing.T) {
	t.Parallel()
	c, err := config.LoadEnv(map[string]string{"DATABASE_URL": dbtest.EmptyURL(t)})
	require.NoError(t, err)
	db, err := database.Open(context.Background(), c.Database)
	require.NoError(t, err)
	client, _ := redistest.New(t)

	r := health.NewReadiness(zap.NewNop(), time.Second, health.Postgres(db), health.Redis(client))
	status, rep := r.Evaluate(context.Background())
	assert.Equal(t, 200, status)
	assert.Equal(t, "ready", rep.Status)

	require.NoError(t, client.Close())
	_, rep = r.Evaluate(context.Background())
	assert.Equal(t, "degraded", rep.Status)

	require.NoError(t, database.Close(db))
	status, rep = r.Evaluate(context.Background())
	assert.Equal(t, 503, status)
	assert.Equal(t, map[string]string{"postgres": "unavailable", "redis": "unavailable"}, rep.Checks)
}
