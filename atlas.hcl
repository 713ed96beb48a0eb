# Atlas project file: the environments of the declarative schema in schema/,
# for the Atlas CLI (atlas schema inspect|diff|apply --env <name>).
#
# Deploys do not need the CLI: `zebra schema plan|apply` carries the same
# schema/*.hcl files inside the binary and applies them with the Atlas
# library (see docs/adr/0001-declarative-schema-with-atlas.md). That path
# also runs schema/<owner>.sql (functions, triggers) after every apply and
# refuses destructive changes unless --allow-destructive; the CLI does
# neither, so use it to inspect, diff and visualise, not to deploy.
#
# The owners are discovered, not listed: src is every schema/*.hcl file
# (Atlas' fileset function, a glob relative to this file that returns
# absolute paths) and schemas the Postgres schema named after each file,
# so the CLI never inspects (or drops) anything else in the database and a
# new module's schema file needs no edit here. A test in app/ evaluates
# these two lists and checks them against the binary's schema sources.

locals {
  # One file per owner; each owner's tables live in the Postgres schema of
  # the same name.
  src     = [for f in fileset("schema/*.hcl") : "file://${f}"]
  schemas = [for f in fileset("schema/*.hcl") : regexreplace(f, "^.*/([^/]+)[.]hcl$", "$1")]

  # The CLI normalises the desired schema on an empty dev database.
  # Without Docker, point ATLAS_DEV_URL at an empty database you created
  # for it (e.g. postgres://postgres@127.0.0.1:5432/zebra_atlas_dev?sslmode=disable).
  dev = getenv("ATLAS_DEV_URL") != "" ? getenv("ATLAS_DEV_URL") : "docker://postgres/15/dev"
}

# The developer database of `make run` (DATABASE_URL, as for zebra).
env "local" {
  src     = local.src
  schemas = local.schemas
  url     = getenv("DATABASE_URL") != "" ? getenv("DATABASE_URL") : "postgres://postgres@127.0.0.1:5432/zebra?sslmode=disable"
  dev     = local.dev
}

# A throwaway database for trying a change (TEST_DATABASE_URL).
env "test" {
  src     = local.src
  schemas = local.schemas
  url     = getenv("TEST_DATABASE_URL") != "" ? getenv("TEST_DATABASE_URL") : "postgres://postgres@127.0.0.1:5432/zebra_test?sslmode=disable"
  dev     = local.dev
}

# Production: DATABASE_URL must be set, there is no default. Dropping a
# schema or a table is never planned here; `zebra schema apply
# --allow-destructive` is the reviewed way to do it.
env "prod" {
  src     = local.src
  schemas = local.schemas
  url     = getenv("DATABASE_URL")
  dev     = local.dev
  diff {
    skip {
      drop_schema = true
      drop_table  = true
    }
  }
}
