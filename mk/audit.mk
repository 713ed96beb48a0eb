# Audit and outbox (owner: audit/outbox). Their tests run in `make test`
# (test-go); these targets reproduce the figures of docs/audit.md. Run them
# alone: they load the machine.

.PHONY: bench-outbox bench-audit audit-plans

bench-outbox: ## Outbox relay throughput: events/s end to end, draining a backlog, and the writers' bound
	cd platform && go test ./outbox -run '^$$' -bench 'RelayEndToEnd|RelayDrain|WriteOnly' -benchtime 5000x

bench-audit: ## Commands/s without an audit event, and with one recorded (chained asynchronously, with the chainer running)
	cd modules/audit && go test ./internal/postgres -run '^$$' -bench CommandWithAudit -benchtime 3000x

audit-plans: ## EXPLAIN ANALYZE of filtered audit pages over 1M generated events
	cd modules/audit && AUDIT_PLAN_ROWS=1000000 go test ./internal/postgres -run TestFilteredPagesUseIndexes -v -count=1
