// Package faults runs the real zebra binary against the real Postgres and
// Redis through Toxiproxy (in-process; the machine's servers are never
// stopped) and injects failures during a bounded load: latency, a
// black-holed connection, connection resets, a cut link, an exhausted
// pool. It checks the statuses clients saw (2xx, 4xx, 503, 504; never a
// 500, never a hang), the /readyz transitions, the recovery time after the
// fault is removed (without restarting the process), that goroutines do
// not pile up, and that the database is consistent: every 2xx create is
// stored once, with exactly one audit event and one outbox row, and the
// outbox drains to Redis once it is back.
//
// The figures are logged (go test -v) and summarised in
// docs/reliability.md.
package faults

import (
	"testing"

	"github.com/zebralabs/zebra/test/internal/zebratest"
)

func TestMain(m *testing.M) { zebratest.Main(m) }
