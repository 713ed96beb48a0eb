package health_test

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"go.uber.org/fx"
	"go.uber.org/fx/fxtest"
	"go.uber.org/zap"

	"github.com/zebralabs/zebra/platform/health"
)

// TestAsChecksJoinReadiness: checks contributed through AsChecks reach
// the readiness of whoever takes the group, none or several per
// constructor, and a failing non-critical one degrades the answer.
func TestAsChecksJoinReadiness(t *testing.T) {
	t.Parallel()
	var in struct {
		fx.In
		Checks []health.Check `group:"health_checks"`
	}
	app := fxtest.New(t,
		fx.Provide(
			health.AsChecks(func() []health.Check { return nil }), // a package that is off
			health.AsChecks(func() []health.Check {
				return []health.Check{{Name: "bucket", Probe: func(context.Context) error { return errors.New("down") }}}
			}),
		),
		fx.Populate(&in),
	)
	app.RequireStart().RequireStop()
	if len(in.Checks) != 1 || in.Checks[0].Name != "bucket" {
		t.Fatalf("checks = %+v", in.Checks)
	}
	status, rep := health.NewReadiness(zap.NewNop(), time.Second, in.Checks...).Evaluate(context.Background())
	if status != http.StatusOK || rep.Status != health.StatusDegraded || rep.Checks["bucket"] != health.CheckUnavailable {
		t.Fatalf("readiness = %d %+v, want 200 degraded with bucket unavailable", status, rep)
	}
}
