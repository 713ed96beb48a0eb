# Coverage (owner: foundation): `make cover` runs every test of `make test`
# with coverage on and reports the statements they run, per Go module of
# go.work, in one figure for unit, integration and end-to-end tests:
#
#   - the in-process tests (go test) count with -coverpkg over every
#     module's packages, so a suite under test/ or another module's test
#     counts toward the code it runs, not only toward its own package;
#   - the end-to-end suites exec the zebra binary (ZEBRA_BIN, see
#     test/internal/zebratest): here it is built with -cover, and every
#     process writes its counters on exit to GOCOVERDIR, which
#     `go tool covdata textfmt` turns into a profile. ZEBRA_BIN is a
#     two-line script that sets GOCOVERDIR and execs the binary, because
#     go test gives each test process a GOCOVERDIR of its own, which the
#     processes it starts inherit and nobody reads;
#   - both profiles are merged (a block counts as covered if any test or
#     process ran it) into coverage/coverage.html and the table that
#     tools/cover/summary.awk prints.
#
# It fails when a test fails or a module falls below its floor
# (COVER_FLOOR). It is separate from `make test`: instrumented code runs
# slower, and the counters need every test to run (no cached result).

COVER_DIR     := coverage
COVER_BIN     := $(COVER_DIR)/zebra
# Every module's import path is this prefix and its directory in go.work.
COVER_PREFIX  := github.com/zebralabs/zebra/
# The modules whose statements count: every one of go.work but test/ (the
# suites and their helpers, which are not the product).
COVER_MODULES := $(filter-out test,$(MODULES))
cover_comma   := ,
cover_space   := $(eval) $(eval)
COVER_PKGS    := $(subst $(cover_space),$(cover_comma),$(foreach m,$(COVER_MODULES),$(COVER_PREFIX)$(m)/...))
COVER_TIMEOUT ?= 15m
# The floors, in percent of statements, in one place: the figures of
# 2026-12-08 (README, "Coverage": app 80.5, activities 93.5, audit 92.8,
# identity 86.0, platform 90.4, schema 88.9, total 89.4) less 2 points,
# rounded down. Raise them when coverage rises; a module without an entry
# (a new one) is reported, not checked, until it gets one.
COVER_FLOOR   ?= app=78 modules/activities=91 modules/audit=90 modules/identity=84 platform=88 schema=86 total=87

.PHONY: cover

cover: $(MAILPIT) contract-deps ## Every test with coverage: coverage/coverage.html and per-module totals; fails below COVER_FLOOR
	@rm -rf $(COVER_DIR) && mkdir -p $(COVER_DIR)/binary
	CGO_ENABLED=0 go build -cover -covermode=set -coverpkg=$(COVER_PKGS) -trimpath \
		-ldflags "-X main.version=v0.0.0-test" -o $(COVER_BIN).cover ./app
	@printf "#!/bin/sh\nGOCOVERDIR='%s' exec '%s' \"\$$@\"\n" "$(abspath $(COVER_DIR)/binary)" "$(abspath $(COVER_BIN)).cover" > $(COVER_BIN)
	@chmod +x $(COVER_BIN)
	@set -uo pipefail; status=0; \
	ZEBRA_BIN="$(abspath $(COVER_BIN))" MAILPIT_BIN="$${MAILPIT_BIN:-$(MAILPIT)}" \
		go test -count=1 -timeout $(COVER_TIMEOUT) $(GO_TEST_FLAGS) -covermode=set -coverpkg=$(COVER_PKGS) \
		-coverprofile=$(COVER_DIR)/tests.out $(PACKAGES) | sed -u 's/[[:space:]]*coverage: .*//' || status=$$?; \
	[ -s $(COVER_DIR)/tests.out ] || { echo "make cover: go test wrote no profile (exit $$status)"; exit 1; }; \
	go tool covdata textfmt -i=$(COVER_DIR)/binary -o $(COVER_DIR)/binary.out || exit 1; \
	{ cat $(COVER_DIR)/tests.out; tail -n +2 $(COVER_DIR)/binary.out; } > $(COVER_DIR)/coverage.out; \
	go tool cover -html=$(COVER_DIR)/coverage.out -o $(COVER_DIR)/coverage.html || exit 1; \
	echo; echo "statements run by unit, integration and end-to-end tests, per module (report: $(COVER_DIR)/coverage.html)"; \
	awk -f tools/cover/summary.awk -v prefix=$(COVER_PREFIX) -v modules="$(COVER_MODULES)" -v floors="$(COVER_FLOOR)" \
		$(COVER_DIR)/coverage.out | tee $(COVER_DIR)/summary.txt || status=1; \
	if [ $$status -ne 0 ]; then echo "make cover: failed (a test failed, or coverage is below COVER_FLOOR)"; fi; \
	exit $$status
