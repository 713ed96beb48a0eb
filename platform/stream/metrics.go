package stream

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"
)

// Metrics holds stream_consumer_lag{stream,group}: the entries of a stream
// that the group has not finished with (not yet delivered, plus delivered
// but not acknowledged). Register it once per process and pass it to every
// consumer with WithMetrics.
type Metrics struct {
	lag *prometheus.GaugeVec
}

// NewMetrics registers the consumer metrics on reg.
func NewMetrics(reg prometheus.Registerer) (*Metrics, error) {
	m := &Metrics{lag: prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "stream_consumer_lag",
		Help: "Entries of the stream the consumer group has not handled yet: undelivered plus pending.",
	}, []string{"stream", "group"})}
	if err := reg.Register(m.lag); err != nil {
		return nil, err
	}
	return m, nil
}

// observe reads the group's lag and pending count with XINFO GROUPS
// (Redis 7 reports lag; an unknown lag leaves the gauge unchanged).
func (m *Metrics) observe(ctx context.Context, client redis.UniversalClient, stream, group string) {
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	groups, err := client.XInfoGroups(ctx, stream).Result()
	if err != nil {
		return
	}
	for _, g := range groups {
		if g.Name == group && g.Lag >= 0 {
			m.lag.WithLabelValues(stream, group).Set(float64(g.Lag + g.Pending))
		}
	}
}
