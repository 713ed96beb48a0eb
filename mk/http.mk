# HTTP platform (owner: http): the gin/huma server and its middleware,
# telemetry, and the OpenAPI document.
#
# docs/openapi.json is the reviewed copy of the contract: `make openapi`
# regenerates it from the code (routes, types, validation tags), and
# app/openapi_test.go fails until the copy matches what the code generates.
SWAGGER_UI_VERSION ?= 5.35.0
DOCS_UI := platform/httpserver/docsui

.PHONY: openapi docs-ui test-http lint-http

openapi: ## Write docs/openapi.json, generated from the code (review the diff, commit it)
	go run ./app openapi -o docs/openapi.json

docs-ui: ## Refresh the docs page's embedded Swagger UI (npm pack swagger-ui-dist@SWAGGER_UI_VERSION)
	@set -euo pipefail; tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	(cd "$$tmp" && npm pack --silent swagger-ui-dist@$(SWAGGER_UI_VERSION) >/dev/null && tar xzf swagger-ui-dist-*.tgz); \
	gzip -9 -n -c "$$tmp/package/swagger-ui-bundle.js" > $(DOCS_UI)/swagger-ui-bundle.js.gz; \
	gzip -9 -n -c "$$tmp/package/swagger-ui.css" > $(DOCS_UI)/swagger-ui.css.gz; \
	cp "$$tmp/package/LICENSE" "$$tmp/package/NOTICE" $(DOCS_UI)/; \
	ls -l $(DOCS_UI)

test-http: ## HTTP platform and telemetry over real HTTP; the OpenAPI copy is current
	go test -count=1 -race ./platform/httpserver/... ./platform/telemetry/...
	go test -count=1 -run 'OpenAPI' ./app

lint-http: ## go vet the HTTP platform and telemetry
	go vet ./platform/httpserver/... ./platform/telemetry/...

# test-http is not in TEST_TARGETS: test-go (mk/go.mk) already runs these packages.
LINT_TARGETS += lint-http
