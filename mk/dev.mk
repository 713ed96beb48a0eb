# The developer's machine (owner: foundation): the tools the targets need,
# built once and reused, the local mail catcher, and `make doctor`.
#
# Go tools pinned in a go.mod (Mailpit in modules/identity, golangci-lint in
# test, versitygw in tools/versitygw) are built once per version into
# TOOLS_DIR, outside the tree and shared by every clone, so neither a fresh
# clone nor an emptied build cache compiles them again. Mailpit takes a few
# minutes to build the first time (its SQLite is pure Go), golangci-lint
# about as long; versitygw (the S3 server of the object-storage tests)
# about 2.5 CPU-minutes, longer on a busy machine.
TOOLS_DIR ?= $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/zebra/tools
MAILPIT_VERSION := $(shell awk '$$1 == "github.com/axllent/mailpit" {print $$2}' modules/identity/go.mod)
GOLANGCI_VERSION := $(shell awk '$$1 == "github.com/golangci/golangci-lint/v2" {print $$2}' test/go.mod)
VERSITYGW_VERSION := $(shell awk '$$1 == "github.com/versity/versitygw" {print $$2}' tools/versitygw/go.mod)
MAILPIT := $(TOOLS_DIR)/mailpit-$(MAILPIT_VERSION)
# versitygw is built by the Go release that reads its go.mod; the binary
# itself does not care, so the version is enough to name it.
VERSITYGW := $(TOOLS_DIR)/versitygw-$(VERSITYGW_VERSION)
# golangci-lint must be built by the Go release that builds the code it checks.
GOLANGCI := $(TOOLS_DIR)/golangci-lint-$(GOLANGCI_VERSION)-$(shell go env GOVERSION 2>/dev/null)

# Mailpit's ports: `make run` and `make mailpit` use them, and `make run`
# points zebra's SMTP_URL at MAILPIT_SMTP unless SMTP_URL is set.
MAILPIT_SMTP ?= 1025
MAILPIT_UI   ?= 8025
LOCAL_SMTP_URL := smtp://127.0.0.1:$(MAILPIT_SMTP)

.PHONY: tools mailpit mailpit-start mailpit-stop doctor

tools: $(MAILPIT) $(GOLANGCI) $(VERSITYGW) ## Build the pinned tools (Mailpit, golangci-lint, versitygw) once into TOOLS_DIR (~/.cache/zebra/tools); ~5 min the first time

# go build writes a temporary name first, so an interrupted build or two
# clones building at once never leave a half-written tool behind.
$(MAILPIT):
	@echo "building Mailpit $(MAILPIT_VERSION) once into $(TOOLS_DIR) (a few minutes the first time, reused afterwards)"
	@mkdir -p $(TOOLS_DIR)
	cd modules/identity && go build -o $@.$$$$ github.com/axllent/mailpit && mv $@.$$$$ $@

# tools/versitygw is outside go.work (its dependency graph is not the
# service's): GOWORK=off.
$(VERSITYGW):
	@echo "building versitygw $(VERSITYGW_VERSION) (the S3 server of the tests) once into $(TOOLS_DIR) (a few minutes the first time, reused afterwards)"
	@mkdir -p $(TOOLS_DIR)
	cd tools/versitygw && GOWORK=off go build -o $@.$$$$ github.com/versity/versitygw/cmd/versitygw && mv $@.$$$$ $@

$(GOLANGCI):
	@echo "building golangci-lint $(GOLANGCI_VERSION) once into $(TOOLS_DIR) (a few minutes the first time, reused afterwards)"
	@mkdir -p $(TOOLS_DIR)
	cd test && go build -o $@.$$$$ github.com/golangci/golangci-lint/v2/cmd/golangci-lint && mv $@.$$$$ $@

mailpit: $(MAILPIT) ## Mailpit in the foreground: SMTP on MAILPIT_SMTP (1025), web UI on MAILPIT_UI (8025)
	$(MAILPIT) --smtp 127.0.0.1:$(MAILPIT_SMTP) --listen 127.0.0.1:$(MAILPIT_UI) --disable-version-check

# mailpit-start (run by `make run`) starts Mailpit in the background, where
# it outlives `make run` so a restart keeps the mail, when zebra's SMTP_URL
# is the local catcher's and nothing answers there yet; it says what it did.
mailpit-start:
	@smtp="$${SMTP_URL:-$(LOCAL_SMTP_URL)}"; \
	case "$$smtp" in \
		smtp://127.0.0.1:$(MAILPIT_SMTP)|smtp://localhost:$(MAILPIT_SMTP)) ;; \
		*) echo "mail: SMTP_URL is $$smtp, not the local catcher; starting none"; exit 0 ;; \
	esac; \
	if (exec 3<>/dev/tcp/127.0.0.1/$(MAILPIT_SMTP)) 2>/dev/null; then \
		echo "mail: something already answers on 127.0.0.1:$(MAILPIT_SMTP) (Mailpit from an earlier make run?); its web UI: http://localhost:$(MAILPIT_UI)"; exit 0; \
	fi; \
	$(MAKE) --no-print-directory $(MAILPIT) || exit 1; \
	mkdir -p bin; \
	detach=$$(command -v setsid || true); \
	nohup $$detach $(MAILPIT) --smtp 127.0.0.1:$(MAILPIT_SMTP) --listen 127.0.0.1:$(MAILPIT_UI) --disable-version-check \
		>bin/mailpit.log 2>&1 & echo $$! >bin/mailpit.pid; \
	for _ in $$(seq 1 50); do (exec 3<>/dev/tcp/127.0.0.1/$(MAILPIT_SMTP)) 2>/dev/null && break; sleep 0.1; done; \
	echo "mail: started Mailpit in the background: SMTP 127.0.0.1:$(MAILPIT_SMTP), web UI http://localhost:$(MAILPIT_UI) (log bin/mailpit.log; make mailpit-stop stops it)"

mailpit-stop: ## Stop the Mailpit that make run started
	@if [ -f bin/mailpit.pid ] && kill "$$(cat bin/mailpit.pid)" 2>/dev/null; then echo "mail: Mailpit stopped"; else echo "mail: no Mailpit of make run is running"; fi
	@rm -f bin/mailpit.pid

doctor: ## Check every tool and service the targets need, and say how to get what is missing
	@TOOLS_DIR='$(TOOLS_DIR)' MAILPIT='$(MAILPIT)' GOLANGCI='$(GOLANGCI)' VERSITYGW='$(VERSITYGW)' bash mk/doctor.sh

# tools/versitygw is outside go.work, so lint-tidy does not see it.
.PHONY: lint-versitygw-tidy
lint-versitygw-tidy:
	cd tools/versitygw && GOWORK=off go mod tidy -diff
LINT_TARGETS += lint-versitygw-tidy
