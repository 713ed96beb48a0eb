package outbox_test

import (
	"encoding/json"
	"io"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"
)

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }

func stringsReader(s string) io.Reader { return strings.NewReader(s) }

// gauge gathers reg and returns the value of the unlabelled gauge or
// counter name.
func gauge(t *testing.T, reg *prometheus.Registry, name string) float64 {
	t.Helper()
	families, err := reg.Gather()
	require.NoError(t, err)
	for _, f := range families {
		if f.GetName() == name {
			m := f.GetMetric()[0]
			if m.GetGauge() != nil {
				return m.GetGauge().GetValue()
			}
			return m.GetCounter().GetValue()
		}
	}
	t.Fatalf("metric %s not gathered", name)
	return 0
}

func (e *env) anyPublishedID(t *testing.T) uuid.UUID {
	t.Helper()
	var s string
	require.NoError(t, e.db.Raw("SELECT id::text FROM platform.outbox WHERE published_at IS NOT NULL LIMIT 1").Scan(&s).Error)
	id, err := uuid.Parse(s)
	require.NoError(t, err)
	return id
}
