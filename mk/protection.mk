# Protection (owner: protection): rate limiting, outbound HTTP client,
# fuzzing of every decoder we own, the bad-input suite and the fault suite.
#
#   make fuzz                    each fuzz target for FUZZTIME (default 60s)
#   make fuzz FUZZTIME=10m       longer, e.g. overnight
#   make fuzz FUZZ=FuzzDecode    only the targets matching FUZZ
#
# `make test` runs every seed corpus (testdata/fuzz/<FuzzName>/) as ordinary
# tests (go test does), then fuzzes each target for FUZZTIME_TEST executions
# (default 5000x, 2-3 s for the slowest target: a count, not a duration,
# so a slow machine makes it longer, never flaky; golang/go#75804). New
# crashers land in the package's testdata/fuzz/<FuzzName>/: commit them with
# the fix, so they stay in the seed corpus.
FUZZTIME ?= 60s
FUZZTIME_TEST ?= 5000x
FUZZ ?= .

# fuzz_targets prints "dir FuzzName" for every Fuzz function in a fuzz_test.go.
define fuzz_targets
grep -rHoE --include=fuzz_test.go '^func (Fuzz[A-Za-z0-9_]+)' platform modules app test 2>/dev/null \
	| sed -E 's#^(.*)/fuzz_test.go:func (Fuzz[A-Za-z0-9_]+)#\1 \2#' | grep -E " .*$(FUZZ)" | sort
endef

# run_fuzz runs each target for $(1); go test -fuzz takes one target per run.
# A run that fails with only "context deadline exceeded" and no failing input
# written is Go's coordinator racing its own -fuzztime deadline
# (golang/go#75804, fixed in Go 1.27), not a finding: it is reported and
# passes. Anything else fails with the end of the output.
define run_fuzz
set -euo pipefail; $(fuzz_targets) | while read -r dir name; do \
	echo "fuzz $$dir $$name for $(1)"; \
	if out=$$(cd "$$dir" && go test -run '^$$' -fuzz "^$$name\$$" -fuzztime $(1) -parallel 2 . 2>&1); then \
		echo "$$out" | tail -n 3; \
	elif grep -q 'context deadline exceeded' <<<"$$out" && ! grep -q 'Failing input written' <<<"$$out"; then \
		echo "$$out" | tail -n 3; echo "(Go's fuzz deadline race, golang/go#75804: no failing input, not a finding)"; \
	else \
		echo "$$out" | tail -n 40; exit 1; \
	fi; \
done
endef

.PHONY: fuzz fuzz-seeds test-protection test-protection-race test-hardening test-faults

fuzz: ## Fuzz every decoder we own, FUZZTIME each (default 60s; FUZZ=regexp selects)
	@$(call run_fuzz,$(FUZZTIME))

fuzz-seeds: ## Run every fuzz target's checked-in seed corpus as ordinary tests
	@set -euo pipefail; dirs=$$($(fuzz_targets) | cut -d' ' -f1 | sort -u | sed 's#^#./#'); \
	go test -count=1 -run '^Fuzz' $$dirs

# test-go (mk/go.mk) already runs the packages below, the seed corpora, and
# test/hardening and test/faults; `make test` adds the short fuzzing only.
test-protection: ## A short fuzz (FUZZTIME_TEST, 5000 executions) of each fuzz target
	@$(call run_fuzz,$(FUZZTIME_TEST))

test-protection-race: ## Rate limiter and outbound client under the race detector
	go test -count=1 -race ./platform/ratelimit/... ./platform/httpclient/...

test-hardening: ## Bad input against the real binary: every route answers a 4xx envelope, nothing stored
	go test -count=1 ./test/hardening/...

test-faults: ## Real binary behind Toxiproxy: latency, resets, cut Postgres/Redis under load
	go test -count=1 -timeout 10m ./test/faults/...

TEST_TARGETS += test-protection
