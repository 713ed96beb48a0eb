package health_test

import (
	"context"
	"errors"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"go.uber.org/zap"

	"github.com/zebralabs/zebra/platform/health"
)

var errDown = errors.New("down")

func check(name string, critical bool, err error) health.Check {
	return health.Check{Name: name, Critical: critical, Probe: func(context.Context) error { return err }}
}

func TestEvaluate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name         string
		postgres     error
		redis        error
		shuttingDown bool
		wantStatus   int
		want         health.Report
	}{
		{"all up", nil, nil, false, http.StatusOK,
			health.Report{Status: "ready", Checks: map[string]string{"postgres": "ok", "redis": "ok"}}},
		{"redis down degrades", nil, errDown, false, http.StatusOK,
			health.Report{Status: "degraded", Checks: map[string]string{"postgres": "ok", "redis": "unavailable"}}},
		{"postgres down", errDown, nil, false, http.StatusServiceUnavailable,
			health.Report{Status: "unavailable", Checks: map[string]string{"postgres": "unavailable", "redis": "ok"}}},
		{"both down", errDown, errDown, false, http.StatusServiceUnavailable,
			health.Report{Status: "unavailable", Checks: map[string]string{"postgres": "unavailable", "redis": "unavailable"}}},
		{"shutting down", nil, nil, true, http.StatusServiceUnavailable,
			health.Report{Status: "shutting_down", Checks: map[string]string{"postgres": "ok", "redis": "ok"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := health.NewReadiness(zap.NewNop(), time.Second, check("postgres", true, tt.postgres), check("redis", false, tt.redis))
			if tt.shuttingDown {
				r.ShutDown()
			}
			status, rep := r.Evaluate(context.Background())
			assert.Equal(t, tt.wantStatus, status)
			assert.Equal(t, tt.want, rep)
		})
	}
}

func TestEvaluate_ChecksRunConcurrentlyWithinTheTimeout(t *testing.T) {
	t.Parallel()
	hang := func(ctx context.Context) error { <-ctx.Done(); return ctx.Err() }
	r := health.NewReadiness(zap.NewNop(), 200*time.Millisecond,
		health.Check{Name: "postgres", Critical: true, Probe: hang},
		health.Check{Name: "redis", Probe: hang},
	)
	start := time.Now()
	status, rep := r.Evaluate(context.Background())
	elapsed := time.Since(start)
	assert.Equal(t, http.StatusServiceUnavailable, status)
	assert.Equal(t, "unavailable", rep.Checks["postgres"])
	assert.Equal(t, "unavailable", rep.Checks["redis"])
	assert.GreaterOrEqual(t, elapsed, 200*time.Millisecond)
	assert.Less(t, elapsed, 390*time.Millisecond, "two hung checks cost one timeout, not two")
}

func TestEvaluate_PanickingCheckIsUnavailable(t *testing.T) {
	t.Parallel()
	r := health.NewReadiness(zap.NewNop(), time.Second,
		health.Check{Name: "postgres", Critical: true, Probe: func(context.Context) error { panic("nil pool") }})
	status, rep := r.Evaluate(context.Background())
	assert.Equal(t, http.StatusServiceUnavailable, status)
	assert.Equal(t, "unavailable", rep.Checks["postgres"])
}

// TestEvaluate_ReportsMaintenanceWithoutLeavingReady: read-only mode is
// reported, and a replica that serves reads stays ready (200), so the load
// balancer keeps routing them; a failing check still decides the status.
func TestEvaluate_ReportsMaintenanceWithoutLeavingReady(t *testing.T) {
	t.Parallel()
	var on atomic.Bool
	r := health.NewReadiness(zap.NewNop(), time.Second, check("postgres", true, nil), check("redis", false, nil))
	r.ReportMaintenance(func(context.Context) bool { return on.Load() })

	status, rep := r.Evaluate(context.Background())
	assert.Equal(t, http.StatusOK, status)
	assert.Equal(t, health.Report{Status: "ready", Checks: map[string]string{"postgres": "ok", "redis": "ok"}, Maintenance: "off"}, rep)

	on.Store(true)
	status, rep = r.Evaluate(context.Background())
	assert.Equal(t, http.StatusOK, status)
	assert.Equal(t, health.Report{Status: "ready", Checks: map[string]string{"postgres": "ok", "redis": "ok"}, Maintenance: "on"}, rep)

	down := health.NewReadiness(zap.NewNop(), time.Second, check("postgres", true, errDown))
	down.ReportMaintenance(func(context.Context) bool { return true })
	status, rep = down.Evaluate(context.Background())
	assert.Equal(t, http.StatusServiceUnavailable, status)
	assert.Equal(t, "unavailable", rep.Status)
	assert.Equal(t, "on", rep.Maintenance)
}
