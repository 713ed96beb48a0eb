#!/usr/bin/env bash
# make doctor: checks, target by target, every tool and service the make
# targets need, and says how to get what is missing. Exits 1 when something
# a target needs is missing (Docker is optional: make up only).
# TOOLS_DIR, MAILPIT, GOLANGCI and VERSITYGW come from mk/dev.mk.
set -uo pipefail
cd "$(dirname "$0")/.."

missing=0
ok() { printf '  ok       %s\n' "$*"; }
miss() { printf '  MISSING  %s\n' "$*"; missing=1; }
note() { printf '  note     %s\n' "$*"; }
has() { command -v "$1" >/dev/null 2>&1; }

# answers HOST:PORT: whether something accepts TCP connections there.
answers() { (exec 3<>"/dev/tcp/${1%:*}/${1##*:}") 2>/dev/null; }

# hostport URL DEFAULT_PORT: host:port of a postgres:// or redis:// URL.
hostport() {
	local hp
	hp=$(sed -E 's#^[a-z]+://([^@/]*@)?([^/?]*).*#\2#' <<<"$1")
	[[ $hp == *:* ]] || hp="$hp:$2"
	echo "$hp"
}

echo "make build, make run"
want=$(awk '$1 == "go" {print $2}' go.work)
if has go; then
	have=$(go env GOVERSION)
	if [ "$(printf '%s\n' "go$want" "$have" | sort -V | head -n1)" = "go$want" ]; then
		ok "Go $have (go.work needs $want or later)"
	else
		miss "Go $have is older than go.work's $want: install it from https://go.dev/dl/ (or let GOTOOLCHAIN=auto fetch it)"
	fi
else
	miss "Go $want or later: https://go.dev/dl/"
fi
db=$(hostport "${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/zebra}" 5432)
if answers "$db"; then
	ok "PostgreSQL answers on $db (DATABASE_URL)"
else
	miss "PostgreSQL on $db (DATABASE_URL): apt-get install -y postgresql (user postgres, trust on 127.0.0.1), or make up"
fi
redis=$(hostport "${REDIS_URL:-redis://127.0.0.1:6379/0}" 6379)
if answers "$redis"; then
	ok "Redis answers on $redis (REDIS_URL)"
else
	miss "Redis on $redis (REDIS_URL): apt-get install -y redis-server, or make up"
fi
if [ -x "$MAILPIT" ]; then
	ok "Mailpit built in $TOOLS_DIR (make run starts it)"
else
	note "Mailpit is not built yet: make run builds it once into $TOOLS_DIR (a few minutes), or make tools"
fi

if [ -x "${VERSITYGW:-}" ]; then
	ok "versitygw (the tests' S3 server) built in $TOOLS_DIR"
else
	note "versitygw is not built yet: make test builds it once into $TOOLS_DIR (a few minutes), or make tools"
fi

echo "make test (and what make run needs)"
if has node && has npm; then
	node_major=$(node -p 'process.versions.node.split(".")[0]')
	if [ "$node_major" -ge 18 ]; then
		ok "Node $(node --version) and npm $(npm --version) (Spectral, playwright-core: npm ci in test/ on the first make test)"
	else
		miss "Node 18 or later (have $(node --version)): apt-get install -y nodejs npm, or https://nodejs.org/"
	fi
else
	miss "Node 18+ and npm (the contract lint and the browser tests): apt-get install -y nodejs npm"
fi
chromium=${CHROMIUM:-/usr/bin/chromium}
if [ -x "$chromium" ]; then
	ok "Chromium at $chromium (test/docsui, test/firsthour; CHROMIUM overrides)"
else
	miss "Chromium at $chromium (test/docsui, test/firsthour): apt-get install -y chromium, or set CHROMIUM"
fi
if has curl && has jq; then
	ok "curl and jq (the README's first five minutes, run by test/firsthour)"
else
	miss "curl and jq (the README's first five minutes, run by test/firsthour): apt-get install -y curl jq"
fi

echo "make lint (and Node and npm, above: the OpenAPI lint)"
if has promtool; then
	ok "promtool ($(promtool --version 2>&1 | head -n1 | awk '{print $3}'))"
else
	miss "promtool (the Prometheus rules and their tests): apt-get install -y --no-install-recommends prometheus"
fi
if has docker-compose; then
	ok "docker-compose $(docker-compose version --short 2>/dev/null) (validates docker-compose.yml; no daemon needed)"
else
	miss "docker-compose (validates docker-compose.yml; no daemon needed): apt-get install -y --no-install-recommends docker-compose"
fi
if [ -x "$GOLANGCI" ]; then
	ok "golangci-lint built in $TOOLS_DIR"
else
	note "golangci-lint is not built yet: make lint builds it once into $TOOLS_DIR (a few minutes), or make tools"
fi

echo "make up (optional: PostgreSQL, Redis, Mailpit and the API in containers)"
if docker compose version >/dev/null 2>&1 || has docker-compose; then
	if docker info >/dev/null 2>&1; then
		ok "Docker Compose and a Docker daemon"
	else
		note "no Docker daemon answers: make up cannot run here; make run uses the machine's PostgreSQL and Redis"
	fi
else
	note "no Docker Compose (docker compose or docker-compose): make up cannot run here; make run uses the machine's PostgreSQL and Redis"
fi

if [ "$missing" = 1 ]; then
	echo "doctor: something above is MISSING; each line says how to get it"
	exit 1
fi
echo "doctor: everything the targets need is here"
