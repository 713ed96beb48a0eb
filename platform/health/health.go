// Package health answers the platform's probes: GET /healthz (the process
// can serve) and GET /readyz (its dependencies answer, and it is not
// shutting down), in the shapes of docs/api.md. Readiness turns 503 the moment
// shutdown begins, before the HTTP server stops accepting and drains, so a
// load balancer takes the replica out first.
package health

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"go.uber.org/zap"
)

// The values of a readiness answer.
const (
	StatusReady        = "ready"
	StatusDegraded     = "degraded"
	StatusUnavailable  = "unavailable"
	StatusShuttingDown = "shutting_down"

	CheckOK          = "ok"
	CheckUnavailable = "unavailable"

	MaintenanceOn  = "on"
	MaintenanceOff = "off"
)

// Check is one dependency of readiness.
type Check struct {
	// Name is the key in the answer's "checks", e.g. "postgres".
	Name string
	// Critical checks make the replica unready (503) when they fail; the
	// others only degrade it (200 "degraded"): Redis is shared by every
	// replica, and pulling all of them out would turn degradation into an
	// outage.
	Critical bool
	// Probe returns nil when the dependency answers within ctx.
	Probe func(ctx context.Context) error
}

// Readiness evaluates the checks and knows whether shutdown has begun.
type Readiness struct {
	checks  []Check
	timeout time.Duration
	log     *zap.Logger

	shuttingDown atomic.Bool
	maintenance  func(ctx context.Context) bool
	mu           sync.Mutex
	failing      map[string]bool // last outcome per check, to log changes only
}

// NewReadiness returns a Readiness over checks, each bounded by timeout.
func NewReadiness(log *zap.Logger, timeout time.Duration, checks ...Check) *Readiness {
	return &Readiness{checks: checks, timeout: timeout, log: log, failing: map[string]bool{}}
}

// Report is the body of GET /readyz.
type Report struct {
	Status string            `json:"status" enum:"ready,degraded,unavailable,shutting_down" doc:"ready: every dependency answers; degraded: a non-critical one (Redis) does not, the replica still serves; unavailable: a critical one (Postgres) does not; shutting_down: the process is draining."`
	Checks map[string]string `json:"checks" doc:"Each dependency and its state: ok or unavailable." example:"{\"postgres\":\"ok\",\"redis\":\"ok\"}"`
	// Maintenance is omitted when no maintenance mode is plugged in.
	Maintenance string `json:"maintenance,omitempty" enum:"on,off" doc:"on: the service is in read-only maintenance mode (mutations answer 503 maintenance, reads work); the replica stays ready so that reads keep being routed to it."`
}

// ReportMaintenance makes every report say whether the service is in
// read-only maintenance mode, as on answers (it must not block for long:
// it runs with the probe's context). Maintenance does not change the
// status: a replica that serves reads is ready, and taking every replica
// out of the load balancer would turn a read-only window into an outage.
// Call it before the first Evaluate.
func (r *Readiness) ReportMaintenance(on func(ctx context.Context) bool) { r.maintenance = on }

// ShutDown marks the replica as shutting down: from now on readiness
// answers 503 whatever the dependencies say.
func (r *Readiness) ShutDown() { r.shuttingDown.Store(true) }

// Evaluate runs every check concurrently, each within the timeout, and
// returns the HTTP status and body of GET /readyz.
func (r *Readiness) Evaluate(ctx context.Context) (int, Report) {
	results := make([]error, len(r.checks))
	var wg sync.WaitGroup
	for i, c := range r.checks {
		wg.Go(func() { results[i] = r.probe(ctx, c) })
	}
	wg.Wait()

	rep := Report{Status: StatusReady, Checks: make(map[string]string, len(r.checks))}
	status := http.StatusOK
	for i, c := range r.checks {
		rep.Checks[c.Name] = CheckOK
		r.record(c.Name, results[i])
		if results[i] == nil {
			continue
		}
		rep.Checks[c.Name] = CheckUnavailable
		if c.Critical {
			rep.Status, status = StatusUnavailable, http.StatusServiceUnavailable
		} else if rep.Status == StatusReady {
			rep.Status = StatusDegraded
		}
	}
	if r.shuttingDown.Load() {
		rep.Status, status = StatusShuttingDown, http.StatusServiceUnavailable
	}
	if r.maintenance != nil {
		rep.Maintenance = MaintenanceOff
		if r.maintenance(ctx) {
			rep.Maintenance = MaintenanceOn
		}
	}
	return status, rep
}

func (r *Readiness) probe(ctx context.Context, c Check) (err error) {
	ctx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("check %s panicked: %v", c.Name, p)
		}
	}()
	return c.Probe(ctx)
}

// record logs a check's transitions (ok -> unavailable and back), not
// every probe: load balancers probe every few seconds.
func (r *Readiness) record(name string, err error) {
	r.mu.Lock()
	was := r.failing[name]
	r.failing[name] = err != nil
	r.mu.Unlock()
	switch {
	case err != nil && !was:
		r.log.Warn("readiness check failing", zap.String("check", name), zap.Error(err))
	case err == nil && was:
		r.log.Info("readiness check recovered", zap.String("check", name))
	}
}
