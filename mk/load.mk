# Load benchmark (owner: performance): zebra against a bare net/http + pgx +
# go-redis baseline, 100,000 activities, 32 connections; see
# docs/performance.md. Its one-second smoke (same code, zero errors, sane
# figures) runs in `make test` with the rest of ./test/...
#
#   make bench                         15 s per scenario (3 rounds alternating zebra and
#                                      the baseline) after 5 s of warm-up; ~4 minutes
#   make bench BENCH_DURATION=5s       shorter
#   make bench BENCH_ONLY=create       one scenario
#   make bench BENCH_ENFORCE=1         fail when a target is missed
#   make bench BENCH_PROFILE_DIR=/tmp/prof   CPU and alloc profiles of zebra per scenario
#   make bench BENCH_OUT=/tmp/bench.md       append the report to a file (absolute path)
#   ZEBRA_BIN=/path/zebra make bench         measure that build (e.g. an older commit's)
#   make bench BENCH_ZEBRA_ENV='K=V ...'     extra environment for zebra (serve and worker)
#   make bench BENCH_WORKER=1                jobs in a `zebra worker` beside `zebra serve` (as on
#                                            Fly) instead of inside it (as `make run`, the default)
#   make bench BENCH_TIMELINE=/tmp/tl.tsv    every measured request: target, scenario, start (µs), latency (µs)

BENCH_DURATION ?= 15s
BENCH_WARMUP   ?= 5s
BENCH_ROUNDS   ?= 3
BENCH_OUT      ?=

.PHONY: bench

bench: ## Load benchmark: zebra vs a bare baseline, req/s, p50/p99, errors, peak RSS, start-to-ready (~4 min)
	@uptime
	cd test && BENCH_DURATION=$(BENCH_DURATION) BENCH_WARMUP=$(BENCH_WARMUP) BENCH_OUT=$(BENCH_OUT) BENCH_ROUNDS=$(BENCH_ROUNDS) \
		BENCH_ONLY='$(BENCH_ONLY)' BENCH_ENFORCE='$(BENCH_ENFORCE)' BENCH_PROFILE_DIR='$(BENCH_PROFILE_DIR)' BENCH_ZEBRA_ENV='$(BENCH_ZEBRA_ENV)' BENCH_WORKER='$(BENCH_WORKER)' \
		BENCH_TIMELINE='$(BENCH_TIMELINE)' \
		go test -count=1 -run '^TestBench$$' -timeout 30m -v ./load/
