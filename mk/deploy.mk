# Deployments (owner: deployments): the image, the local stack, Fly.io, AWS
# Terraform, observability assets, the CI pipeline and the runbooks. Every
# file is checked by a real tool here, with no Docker engine and no network:
#
#   docker-compose (Debian's, v1)   docker-compose.yml
#   promtool (Debian's prometheus)  prometheus.yml, alert rules + their unit tests, dashboard PromQL
#   actionlint (pinned Go tool)     .github/workflows/ci.yml
#   HCL parser + OPA (Go library)   deployments/aws/terraform/**.tf against deployments/aws/policy/*.rego
#   BuildKit parser, go-toml (Go)   Dockerfile, fly.toml (test/deploy)
#
# The tools come from Debian: apt-get install -y --no-install-recommends
# docker-compose prometheus (without the recommended Docker engine and
# Prometheus exporters, which no check here needs).
OBS := deployments/observability
DEPLOY_TMP := $(or $(TMPDIR),/tmp)

.PHONY: up down lint-deploy lint-compose lint-prometheus lint-actions lint-terraform lint-deploy-static test-deploy

# compose prints the Docker Compose command here, v2 (`docker compose`) or
# v1 (`docker-compose`), or says in one line what to do instead and fails.
define compose
if docker compose version >/dev/null 2>&1; then c="docker compose"; \
elif command -v docker-compose >/dev/null 2>&1; then c=docker-compose; \
else echo "$@: Docker Compose is not installed (neither docker compose nor docker-compose); use make run with the machine's PostgreSQL and Redis (make doctor checks them)" >&2; exit 1; fi; \
if ! docker info >/dev/null 2>&1; then \
	echo "$@: no Docker daemon answers (docker info failed); start it, or use make run with the machine's PostgreSQL and Redis (make doctor checks them)" >&2; exit 1; fi
endef

up: ## Start the local stack (Postgres, Redis, Mailpit, migrate, API) with Docker Compose v2 or v1
	@$(compose); set -x; $$c up -d --build

down: ## Stop the local stack
	@$(compose); set -x; $$c --profile observability down

lint-deploy: lint-compose lint-prometheus lint-actions lint-terraform lint-deploy-static ## Check every deployment asset

lint-compose:
	@command -v docker-compose >/dev/null || { echo "lint-compose: installing docker-compose (apt)"; \
		$(APT) update -qq && DEBIAN_FRONTEND=noninteractive $(APT) install -y -qq --no-install-recommends docker-compose; }
	docker-compose -f docker-compose.yml config -q
	docker-compose -f docker-compose.yml --profile observability config -q

lint-prometheus:
	@command -v promtool >/dev/null || { echo "lint-prometheus: promtool not found; install it with: apt-get install -y --no-install-recommends prometheus" >&2; exit 1; }
	promtool check config $(OBS)/prometheus/prometheus.yml
	promtool check rules $(OBS)/prometheus/rules/*.yml
	promtool test rules $(OBS)/prometheus/tests/*.yml
	@set -euo pipefail; out=$$(mktemp $(DEPLOY_TMP)/dashboard-rules.XXXXXX.yml); trap 'rm -f "$$out"' EXIT; \
	(cd test && go run ./deploy/cmd/deploycheck dashboard-rules "$$out" $(addprefix ../,$(wildcard $(OBS)/grafana/dashboards/*.json))); \
	promtool check rules "$$out"

lint-actions:
	cd test/deploy/tools && GOWORK=off go mod tidy -diff
	cd test/deploy/tools && GOWORK=off go tool actionlint -no-color ../../../.github/workflows/ci.yml

lint-terraform:
	cd test && go run ./deploy/cmd/deploycheck terraform ../deployments/aws/terraform ../deployments/aws/policy

# The static checks of test/deploy (everything but the live binary).
lint-deploy-static:
	cd test && go test -count=1 -skip 'Live' ./deploy/...

test-deploy: ## Deployment checks, including the metric names against the running binary's /metrics
	cd test && go test -count=1 ./deploy/...

LINT_TARGETS += lint-deploy
# test-deploy is not appended to TEST_TARGETS: `make test` already runs
# test/deploy through test-go (./test/...), live check included.
