package ratelimit

import (
	"errors"

	"github.com/prometheus/client_golang/prometheus"
)

// The values of the decision label.
const (
	decisionAllowed = "allowed"
	decisionLimited = "limited"
	decisionError   = "error"
)

// Metrics counts decisions as ratelimit_decisions_total{bucket,decision},
// decision being allowed, limited or error (Redis unreachable: the
// request was let through or refused by the bucket's fail rule).
type Metrics struct {
	decisions *prometheus.CounterVec
}

// NewMetrics registers the counter on reg (nil: unregistered). A counter
// already registered under the name is reused.
func NewMetrics(reg prometheus.Registerer) (*Metrics, error) {
	cv := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "ratelimit_decisions_total",
		Help: "Rate-limit decisions by bucket and decision (allowed, limited, error).",
	}, []string{"bucket", "decision"})
	if reg != nil {
		if err := reg.Register(cv); err != nil {
			var are prometheus.AlreadyRegisteredError
			if !errors.As(err, &are) {
				return nil, err
			}
			existing, ok := are.ExistingCollector.(*prometheus.CounterVec)
			if !ok {
				return nil, err
			}
			cv = existing
		}
	}
	return &Metrics{decisions: cv}, nil
}

func (m *Metrics) decision(bucket, decision string) {
	if m == nil {
		return
	}
	m.decisions.WithLabelValues(bucket, decision).Inc()
}
