# Contract (owner: contract): the OpenAPI document, held from outside.
#
#   lint-openapi        Spectral (test/.spectral.yaml: spectral:oas + our rules) on the
#                       generated document, and oasdiff against the committed
#                       docs/openapi.json of OPENAPI_BASE: a breaking change fails
#                       unless it comes with a new /vN prefix
#   lint-client         test/client/zebra.gen.go is what oapi-codegen generates
#   contract            the property-based contract suite alone, verbose:
#                         make contract CONTRACT_DURATION=5m CONTRACT_SEED=123
#   client              regenerate test/client from docs/openapi.json
#
# The suites themselves (test/contract, test/client, test/docsui) are Go
# tests under ./test/..., so `make test` runs them in test-go, with
# CONTRACT_DURATION (default 30s) bounding the property run. They need
# Node (Spectral, playwright-core from test/package-lock.json) and Debian's
# chromium: contract-deps installs what is missing, before test-go.
export CONTRACT_DURATION ?= 30s
export CONTRACT_SEED ?=
# OPENAPI_BASE is the commit where this branch left the main line: the
# merge base of HEAD and the first of origin/main and main (a clone or
# worktree with no remote) that exists, so a branch that is behind main is
# not blamed for routes main added since; HEAD when neither exists (only
# uncommitted changes are compared); outside git nothing is. Set it to
# compare with a release: make lint-openapi OPENAPI_BASE=v1.4.0
OPENAPI_BASE ?= $(shell for r in origin/main main; do git merge-base HEAD "$$r" 2>/dev/null && exit; done; echo HEAD)
CONTRACT_TMP := bin/contract
SPECTRAL := test/node_modules/.bin/spectral
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# apt-get waits (up to 10 min) for another apt run to release its locks
# instead of failing at once.
APT := $(SUDO) apt-get -o DPkg::Lock::Timeout=600

.PHONY: contract-deps contract-chromium lint-openapi lint-openapi-spectral lint-openapi-breaking lint-client contract client openapi-generated

contract-deps: test/node_modules/.package-lock.json contract-chromium ## Install what the contract suites need: npm ci in test/, Debian's chromium

# npm ci writes node_modules/.package-lock.json: reinstall when the lock changes.
test/node_modules/.package-lock.json: test/package-lock.json test/package.json
	@command -v npm >/dev/null || { echo "contract-deps: installing nodejs and npm (apt)"; \
		$(APT) update -qq && DEBIAN_FRONTEND=noninteractive $(APT) install -y -qq nodejs npm; }
	cd test && npm ci --no-audit --no-fund
	@touch $@

contract-chromium:
	@command -v chromium >/dev/null || { echo "contract-deps: installing chromium (apt)"; \
		$(APT) update -qq && DEBIAN_FRONTEND=noninteractive $(APT) install -y -qq chromium; }

# The suites of ./test/... run in test-go: install their tools first.
test-go: contract-deps

# The document the code generates now (what `make openapi` would commit).
openapi-generated:
	@mkdir -p $(CONTRACT_TMP)
	go run ./app openapi -o $(CONTRACT_TMP)/openapi.json

lint-openapi: lint-openapi-spectral lint-openapi-breaking ## Spectral on the generated OpenAPI document, and no breaking change against OPENAPI_BASE

lint-openapi-spectral: test/node_modules/.package-lock.json openapi-generated
	$(SPECTRAL) lint --ruleset test/.spectral.yaml --fail-severity warn $(CONTRACT_TMP)/openapi.json

lint-openapi-breaking: openapi-generated
	@set -euo pipefail; \
	if ! git cat-file -e "$(OPENAPI_BASE):docs/openapi.json" 2>/dev/null; then \
		echo "lint-openapi-breaking: no docs/openapi.json at $(OPENAPI_BASE) (or no git repository here); nothing to compare"; exit 0; fi; \
	git show "$(OPENAPI_BASE):docs/openapi.json" > $(CONTRACT_TMP)/base.json; \
	echo "comparing docs/openapi.json of $(OPENAPI_BASE) with the generated document"; \
	cd test && go run ./contract/cmd/openapi-breaking ../$(CONTRACT_TMP)/base.json ../$(CONTRACT_TMP)/openapi.json

lint-client: ## The generated Go client is current (regenerate with make client)
	cd test && go test -count=1 -run TestGeneratedClientIsCurrent ./client/

contract: contract-deps ## The contract suite alone (CONTRACT_DURATION, CONTRACT_SEED), with its per-operation report
	cd test && go test -count=1 -timeout 0 -v -run 'TestContract$$' ./contract/

client: ## Regenerate test/client/zebra.gen.go from docs/openapi.json (oapi-codegen)
	cd test && go generate ./client

LINT_TARGETS += lint-openapi lint-client
