# Developer tasks. Areas add their own targets in mk/<area>.mk and append
# them to LINT_TARGETS / TEST_TARGETS, so `make lint` and `make test` run
# everything without this file knowing each area.
SHELL := /bin/bash
.DEFAULT_GOAL := help

MODULES := app platform modules/activities modules/audit modules/identity schema test
LINT_TARGETS :=
TEST_TARGETS :=

-include mk/*.mk

.PHONY: help
help: ## List the targets
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-16s %s\n", $$1, $$2}'
