# Go targets shared by every area (owner: foundation). Areas append their
# own checks to LINT_TARGETS and TEST_TARGETS in mk/<area>.mk. `up` and
# `down` (docker compose) live in mk/deploy.mk beside the compose file.

BIN         := bin/zebra
VERSION     ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS     := -s -w -X main.version=$(VERSION)
PACKAGES    := $(foreach m,$(MODULES),./$(m)/...)
# One test binary may run at most this long; the whole `make test` stays
# under ten minutes on a two-core machine.
TEST_TIMEOUT ?= 8m
GO_TEST_FLAGS ?=
GOLANGCI    := go tool golangci-lint

.PHONY: build run test test-go test-race lint lint-fmt lint-vet lint-golangci lint-tidy fmt tidy clean

build: ## Build bin/zebra (static, trimmed, version-stamped)
	CGO_ENABLED=0 go build -trimpath -ldflags "$(LDFLAGS)" -o $(BIN) ./app

run: build ## Create the dev database if needed, apply the schema, serve on HTTP_ADDR (default :8080)
	$(BIN) schema apply
	exec $(BIN) serve

test: test-go $(TEST_TARGETS) ## Run every test of every module (needs Postgres and Redis: `make up`, or the machine's own)

test-go: ## go test across the workspace: unit, integration, architecture and end-to-end
	go test -timeout $(TEST_TIMEOUT) $(GO_TEST_FLAGS) $(PACKAGES)

test-race: ## go test with the race detector (slower)
	go test -race -timeout 15m $(GO_TEST_FLAGS) $(PACKAGES)

lint: lint-fmt lint-vet lint-tidy lint-golangci $(LINT_TARGETS) ## gofmt, go vet, go mod tidy check, golangci-lint, and every area's checks

lint-fmt:
	@files="$$(gofmt -l $(MODULES))"; if [ -n "$$files" ]; then echo "gofmt needed (make fmt):"; echo "$$files"; exit 1; fi

lint-vet:
	go vet $(PACKAGES)

# `go mod tidy -diff` prints what tidy would change and fails, touching
# nothing: every go.mod and go.sum must already be tidy.
lint-tidy:
	@status=0; for m in $(MODULES); do \
		if ! out="$$(cd $$m && go mod tidy -diff 2>&1)"; then echo "$$m: go.mod/go.sum not tidy (run make tidy):"; echo "$$out"; status=1; fi; \
	done; exit $$status

lint-golangci:
	$(GOLANGCI) run $(PACKAGES)

fmt: ## Format every Go file (gofmt, goimports order via golangci-lint)
	gofmt -w $(MODULES)
	$(GOLANGCI) fmt $(PACKAGES)

tidy: ## go mod tidy in every module
	@for m in $(MODULES); do (cd $$m && go mod tidy); done

clean: ## Remove build output
	rm -rf bin
