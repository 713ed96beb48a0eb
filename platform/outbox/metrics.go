package outbox

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"gorm.io/gorm"
)

// Metrics are the outbox's Prometheus metrics (names fixed by the
// dashboards and alert rules): the counters are this process's, the
// backlog gauges are read from the table when scraped, so every replica
// reports the same, current value.
type Metrics struct {
	published       prometheus.Counter
	publishFailures prometheus.Counter
	dead            prometheus.Counter
}

// NewMetrics registers outbox_published_total, outbox_publish_failures_total,
// outbox_dead_total, outbox_backlog and outbox_oldest_unpublished_age_seconds
// on reg.
func NewMetrics(reg prometheus.Registerer, db *gorm.DB) (*Metrics, error) {
	m := &Metrics{
		published: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "outbox_published_total", Help: "Outbox events published to Redis Streams by this process.",
		}),
		publishFailures: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "outbox_publish_failures_total", Help: "Outbox events whose publication failed (Redis unreachable or refusing), by this process.",
		}),
		dead: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "outbox_dead_total", Help: "Outbox events parked as dead after OUTBOX_MAX_ATTEMPTS failures, by this process.",
		}),
	}
	for _, c := range []prometheus.Collector{m.published, m.publishFailures, m.dead, &backlog{db: db}} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// NopMetrics returns metrics registered nowhere, for tools and tests.
func NopMetrics() *Metrics {
	m, _ := NewMetrics(prometheus.NewRegistry(), nil)
	return m
}

var (
	backlogDesc = prometheus.NewDesc("outbox_backlog",
		"Outbox events waiting to be published (not published, not dead).", nil, nil)
	ageDesc = prometheus.NewDesc("outbox_oldest_unpublished_age_seconds",
		"Age of the oldest outbox event waiting to be published; 0 when none.", nil, nil)
)

// backlog reads the pending rows when scraped (through the partial index
// on pending rows). A failed read emits nothing rather than failing the
// whole scrape.
type backlog struct {
	db *gorm.DB
}

func (b *backlog) Describe(ch chan<- *prometheus.Desc) {
	ch <- backlogDesc
	ch <- ageDesc
}

func (b *backlog) Collect(ch chan<- prometheus.Metric) {
	if b.db == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	var res struct {
		N   int64
		Age float64
	}
	err := b.db.WithContext(ctx).Model(&record{}).
		Select("count(*) AS n, COALESCE(EXTRACT(EPOCH FROM now() - min(created_at)), 0)::float8 AS age").
		Where("published_at IS NULL AND dead_at IS NULL").Scan(&res).Error
	if err != nil {
		return
	}
	ch <- prometheus.MustNewConstMetric(backlogDesc, prometheus.GaugeValue, float64(res.N))
	ch <- prometheus.MustNewConstMetric(ageDesc, prometheus.GaugeValue, res.Age)
}
