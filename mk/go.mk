# Go targets shared by every area (owner: foundation). Areas append their
# own checks to LINT_TARGETS and TEST_TARGETS in mk/<area>.mk. `up` and
# `down` (docker compose) live in mk/deploy.mk beside the compose file; the
# tools cache, Mailpit and `make doctor` in mk/dev.mk.

BIN         := bin/zebra
VERSION     ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS     := -s -w -X main.version=$(VERSION)
PACKAGES    := $(foreach m,$(MODULES),./$(m)/...)
# One test binary may run at most this long; the whole `make test` stays
# under ten minutes on a two-core machine.
TEST_TIMEOUT ?= 8m
GO_TEST_FLAGS ?=
# The binary the black-box suites run (test/internal/zebratest), built once
# for all of them, stamped with the version they expect (zebratest.Version).
TEST_BIN    := bin/zebra-test

.PHONY: build run test test-go test-bin test-race lint lint-fmt lint-vet lint-golangci lint-tidy fmt tidy clean

build: ## Build bin/zebra (static, trimmed, version-stamped). Needs Go. ~1.5 min cold, <1 s warm
	CGO_ENABLED=0 go build -trimpath -ldflags "$(LDFLAGS)" -o $(BIN) ./app

# zebra gets the local catcher's SMTP_URL unless yours is set.
run: build ## Mailpit if needed, the dev database and schema, then serve on :8080 (docs: /docs). Needs Go, PostgreSQL, Redis. ~2 min cold, ~1 s warm
	@$(MAKE) --no-print-directory mailpit-start
	@$(BIN) schema apply
	@SMTP_URL="$${SMTP_URL:-$(LOCAL_SMTP_URL)}" exec $(BIN) serve

# The suites and the areas' targets (the generator's test, the short fuzz)
# run side by side: each waits on PostgreSQL, Redis or a child process as
# much as on the CPU, so together they take little more than test-go
# alone. --output-sync prints each target's output in one piece when it
# ends. The areas' targets are expanded here, after every mk/*.mk has
# appended to TEST_TARGETS.
TEST_JOBS ?= 3

test: ## Every test of every module. Needs what run needs, Node/npm, Chromium, curl, jq (make doctor). ~14 min cold, ~4 min warm
	@echo "make test: test-go $(TEST_TARGETS), $(TEST_JOBS) at a time; each prints its output when it ends"
	@$(MAKE) --no-print-directory -j$(TEST_JOBS) --output-sync=target test-go $(TEST_TARGETS)

test-go: test-bin $(MAILPIT) $(VERSITYGW) ## go test across the workspace: unit, integration, architecture and end-to-end
	ZEBRA_BIN="$${ZEBRA_BIN:-$(abspath $(TEST_BIN))}" MAILPIT_BIN="$${MAILPIT_BIN:-$(MAILPIT)}" \
		VERSITYGW_BIN="$${VERSITYGW_BIN:-$(VERSITYGW)}" \
		go test -timeout $(TEST_TIMEOUT) $(GO_TEST_FLAGS) $(PACKAGES)

test-bin:
	CGO_ENABLED=0 go build -trimpath -ldflags "-X main.version=v0.0.0-test" -o $(TEST_BIN) ./app

test-race: ## go test with the race detector (slower)
	go test -race -timeout 15m $(GO_TEST_FLAGS) $(PACKAGES)

lint: lint-fmt lint-vet lint-tidy lint-golangci $(LINT_TARGETS) ## gofmt, vet, tidy check, golangci-lint, every area's checks. Needs Go, Node/npm, promtool, docker-compose. ~4 min cold, ~10 s warm

lint-fmt:
	@files="$$(gofmt -l $(MODULES))"; if [ -n "$$files" ]; then echo "gofmt needed (make fmt):"; echo "$$files"; exit 1; fi

lint-vet:
	go vet $(PACKAGES)

# `go mod tidy -diff` prints what tidy would change and fails, touching
# nothing: every go.mod and go.sum must already be tidy. go.work.sum holds
# the checksums no module's go.sum has; it is complete when loading the
# whole module graph (go list -m all, as go doc and editors do) adds
# nothing to it, checked on a copy beside a temporary go.work (absolute
# paths, as the file lives elsewhere) so the tree is never written.
lint-tidy:
	@status=0; for m in $(MODULES); do \
		if ! out="$$(cd $$m && go mod tidy -diff 2>&1)"; then echo "$$m: go.mod/go.sum not tidy (run make tidy):"; echo "$$out"; status=1; fi; \
	done; \
	dir=$$(mktemp -d); trap 'rm -rf "$$dir"' EXIT; \
	go work edit -print | sed 's#^\(\s*\)\./#\1$(CURDIR)/#' > "$$dir/go.work"; cp go.work.sum "$$dir/go.work.sum"; \
	if ! GOWORK="$$dir/go.work" go list -m all >/dev/null; then status=1; \
	elif ! out="$$(diff go.work.sum "$$dir/go.work.sum")"; then echo "go.work.sum lacks these checksums (run make tidy):"; sed -n 's/^> //p' <<<"$$out"; status=1; fi; \
	exit $$status

lint-golangci: $(GOLANGCI)
	$(GOLANGCI) run $(PACKAGES)

fmt: $(GOLANGCI) ## Format every Go file (gofmt, goimports order via golangci-lint)
	gofmt -w $(MODULES)
	$(GOLANGCI) fmt $(PACKAGES)

tidy: ## go mod tidy in every module, and complete go.work.sum
	@for m in $(MODULES); do (cd $$m && go mod tidy); done
	go list -m all >/dev/null

clean: ## Remove build output
	rm -rf bin
