# Developer tasks. `make run` and `make test` are the two that matter; the
# rest are listed by `make help`, and `make doctor` checks what they need.
#
# Areas add their own targets in mk/<area>.mk and append them to
# LINT_TARGETS / TEST_TARGETS, so `make lint` and `make test` run
# everything without this file knowing each area. mk/go.mk holds the Go
# targets every area shares (build, run, test, lint, fmt, up, down).
SHELL := /bin/bash
.DEFAULT_GOAL := help

# Every Go module of go.work, read from it (`go work edit -json`), so a new
# module is covered by `make test` and `make lint` once it is in go.work.
MODULES := $(patsubst ./%,%,$(shell go work edit -json | sed -n 's/.*"DiskPath": "\(.*\)".*/\1/p'))
LINT_TARGETS :=
TEST_TARGETS :=

# mk/dev.mk first: it names the tools (Mailpit, golangci-lint) that other
# files' rules depend on, and prerequisites are expanded as they are read.
-include mk/dev.mk
-include $(filter-out mk/dev.mk,$(wildcard mk/*.mk))

# Prerequisites are expanded when a rule is read, so the areas' lint
# targets are attached here, after every mk/*.mk has appended to the list
# (`make test` runs its list itself, mk/go.mk).
lint: $(LINT_TARGETS)

.PHONY: help
help: ## List the targets
	@echo "Start with make doctor (what this machine lacks), make run (serve on :8080), make test, make lint;"
	@echo "README.md says what each target needs and how long it takes."
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | sort | awk -F':.*## ' '{printf "  %-20s %s\n", $$1, $$2}'
