// Package load is zebra's load benchmark (issue 8, "Performance"): it runs
// the real binary on a fresh database seeded with 100,000 activities and
// a bare baseline service (package baseline, net/http + pgx + go-redis),
// drives both with the same scenarios at fixed concurrency through vegeta,
// and prints requests/s, p50/p99 latency, errors, the servers' peak RSS
// and zebra's start-to-ready time, with zebra/baseline ratios.
//
// `make bench` runs it for real (15 s per scenario after a warm-up);
// `go test ./load/` (and so `make test`) runs a one-second smoke of the
// same code that checks for zero errors and sane figures. See
// docs/performance.md for the method and the figures.
package load
