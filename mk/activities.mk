# Activities (owner: activities) and the platform mechanisms it proves:
# idempotency keys, the read cache, keyset pagination. Their tests run in
# `make test` (test-go); these targets run them alone and reproduce the
# figures of docs/pagination.md.

.PHONY: test-activities test-activities-e2e bench-pagination seed

test-activities: ## Activities tests only: domain, app, Postgres, Redis, idempotency, cache, pagination
	go test -timeout $(TEST_TIMEOUT) ./modules/activities/... ./platform/idempotency/... ./platform/cache/... ./platform/pagination/...

test-activities-e2e: ## The activities end-to-end suite against the real binary (ZEBRA_BIN=path to reuse a build)
	go test -timeout $(TEST_TIMEOUT) -count=1 ./test/activities/...

bench-pagination: ## First page vs a page deep in 1,000,000 rows, with EXPLAIN (ANALYZE, BUFFERS); about a minute
	cd modules/activities && PAGINATION_EXPLAIN=1 go test -run '^$$' -bench ListActivities -benchtime 200x -benchmem ./internal/postgres/

seed: build ## Create demo users (admin@zebra.test, alice@, bob@) and activities in DATABASE_URL
	$(BIN) seed
