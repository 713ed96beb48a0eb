# Modules (owner: foundation): the generator of new bounded contexts,
# tools/modgen, and its test. docs/modules.md explains what a module is,
# owns and provides.
#
#   make module name=notes                 modules/notes, schema/notes.hcl, the wiring
#                                          (go.work, app/go.mod, one line in app/main.go), and
#                                          docs/openapi.json and test/client refreshed, so that
#                                          make build and make test pass right after it
#   make module name=billing singular=invoice   when the entity's name is not NAME minus its plural ending
#
# The generator lives outside go.work (GOWORK=off): it edits go.work, and it
# is not part of what the Dockerfile builds.
MODGEN := cd tools/modgen && GOWORK=off
# The generator's test builds the app, the client and golangci-lint in its
# copy: with an empty build cache (a fresh machine), beside test-go, that
# alone can take longer than TEST_TIMEOUT.
MODGEN_TEST_TIMEOUT ?= 25m

.PHONY: module test-modgen lint-modgen

# Built, not `go run`: go run would add its own "exit status 1" line to the
# generator's one-line error.
module: ## Create a bounded context: make module name=NAME [singular=WORD] (docs/modules.md)
	@$(MODGEN) go build -o ../../bin/modgen .
	@bin/modgen $(if $(singular),-singular '$(singular)') '$(name)'

test-modgen: $(VERSITYGW) ## The generator's test: make module in a throwaway copy of the repository, then build and test it there
	$(MODGEN) VERSITYGW_BIN="$${VERSITYGW_BIN:-$(VERSITYGW)}" go test -count=1 -timeout $(MODGEN_TEST_TIMEOUT) ./...

# golangci-lint is a tool of the workspace: run it over a temporary go.work
# that also uses tools/modgen (absolute paths, as the file lives elsewhere).
lint-modgen:
	@files="$$(gofmt -l tools/modgen)"; if [ -n "$$files" ]; then echo "gofmt needed:"; echo "$$files"; exit 1; fi
	$(MODGEN) go vet ./...
	$(MODGEN) go mod tidy -diff
	@work=$$(mktemp --suffix=.work); trap 'rm -f "$$work" "$$work.sum"' EXIT; \
	go work edit -use=./tools/modgen -print | sed 's#^\(\s*\)\./#\1$(CURDIR)/#' > "$$work"; \
	GOWORK="$$work" $(GOLANGCI) run ./tools/modgen/...

TEST_TARGETS += test-modgen
LINT_TARGETS += lint-modgen
