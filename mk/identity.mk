# Identity (owner: identity). Its tests run in `make test` (test-go); these
# targets run them alone and reproduce the figure of docs/identity.md.

.PHONY: test-identity bench-argon2

test-identity: ## Identity tests only: domain, app, Postgres, Redis, Mailpit, OIDC provider and the real binary
	cd modules/identity && go test -timeout $(TEST_TIMEOUT) ./...

bench-argon2: ## One argon2id hash with the default (OWASP) parameters
	cd modules/identity && go test ./internal/password -run '^$$' -bench HashOWASP -benchtime 20x
