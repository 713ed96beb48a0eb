# Schema tooling (owner: schema). The targets run `zebra schema` from source
# against DATABASE_URL (default: the dev database, created when missing);
# the binary carries schema/*.hcl, so a deploy runs `zebra schema apply`.
ZEBRA_SCHEMA ?= go run ./app schema

.PHONY: schema-plan schema-apply test-schema

schema-plan: ## Print the SQL that would bring DATABASE_URL to schema/ (changes nothing)
	$(ZEBRA_SCHEMA) plan

schema-apply: ## Apply schema/ to DATABASE_URL in one transaction (ALLOW_DESTRUCTIVE=1 to allow drops)
	$(ZEBRA_SCHEMA) apply $(if $(filter 1 true yes,$(ALLOW_DESTRUCTIVE)),--allow-destructive)

test-schema: ## Test the schema tooling against the local Postgres (fresh databases, dropped after)
	go test ./platform/migrate/... ./platform/dbtest/...
	go test -run 'TestSchema|TestAtlas' ./app

# test-schema is not in TEST_TARGETS: test-go (mk/go.mk) already runs these packages.
