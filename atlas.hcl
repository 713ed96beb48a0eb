# Atlas project file: the environments of the declarative schema in schema/,
# for the Atlas CLI (atlas schema inspect|diff|apply --env <name>).
#
# Deploys do not need the CLI: `zebra schema plan|apply` carries the same
# schema/*.hcl files inside the binary and applies them with the Atlas
# library (see docs/adr/0001-declarative-schema-with-atlas.md). What only
# `zebra schema apply` does, and why:
#
#   - schema/<owner>.sql after every apply, in the same transaction: what
#     the HCL cannot express. For the audit log (schema/audit.sql) that is
#     its functions and triggers (append-only events and chain, ordered
#     ids, the queue to the chainer), the genesis row of the hash chain, a
#     storage parameter and the REVOKEs; schema/platform.sql holds the
#     platform's. The CLI never runs these files: a database set up by the
#     CLI alone has the tables but not the audit guarantees, so run `zebra
#     schema apply` (make schema-apply) after it.
#   - refuse destructive changes (drops, narrowing type changes) unless
#     --allow-destructive, and refuse HCL the library would silently
#     ignore (unknown attributes, unnamed checks): the CLI asks for
#     approval instead, so read its plan.
#   - one transaction under an advisory lock, so replicas starting
#     together apply one after the other.
#
# The owners are discovered, not listed: src is every schema/*.hcl file
# (Atlas' fileset function, a glob relative to this file that returns
# absolute paths) and schemas the Postgres schema named after each file,
# so the CLI never inspects (or drops) anything else in the database and a
# new module's schema file needs no edit here. A test in app/ evaluates
# this file (every env, with and without the variables below) and checks
# it against the binary's schema sources.
#
# Without Docker: the dev database (where Atlas normalises the desired
# schema; it must be empty, and Atlas may create and drop anything in it)
# defaults to zebra_atlas_dev on the local PostgreSQL. Create it once:
#
#   createdb -h 127.0.0.1 -U postgres zebra_atlas_dev
#   atlas schema apply --env local        # then: make schema-apply
#
# ATLAS_DEV_URL overrides it (e.g. docker://postgres/15/dev where Docker
# runs). Never point it at the app database.

locals {
  # One file per owner; each owner's tables live in the Postgres schema of
  # the same name.
  src     = [for f in fileset("schema/*.hcl") : "file://${f}"]
  schemas = [for f in fileset("schema/*.hcl") : regexreplace(f, "^.*/([^/]+)[.]hcl$", "$1")]

  # The dev database, database-scoped (no search_path): src declares
  # several schemas, which a schema-scoped URL cannot hold.
  dev = getenv("ATLAS_DEV_URL") != "" ? getenv("ATLAS_DEV_URL") : "postgres://postgres@127.0.0.1:5432/zebra_atlas_dev?sslmode=disable"

  # Functions and triggers belong to schema/<owner>.sql (zebra schema
  # apply), not to the HCL. An Atlas build that inspects them (Atlas Pro,
  # after `atlas login`) would find them in the target, not in src, and
  # plan to drop them: the audit log's append-only triggers among them.
  # Excluding them keeps every CLI build to tables, indexes, constraints
  # and enums. (The open-source build does not inspect them at all.)
  exclude = ["*.*[type=function]", "*.*[type=table].*[type=trigger]"]
}

# The developer database of `make run` (DATABASE_URL, as for zebra).
env "local" {
  src     = local.src
  schemas = local.schemas
  url     = getenv("DATABASE_URL") != "" ? getenv("DATABASE_URL") : "postgres://postgres@127.0.0.1:5432/zebra?sslmode=disable"
  dev     = local.dev
  exclude = local.exclude
}

# A throwaway database for trying a change (TEST_DATABASE_URL).
env "test" {
  src     = local.src
  schemas = local.schemas
  url     = getenv("TEST_DATABASE_URL") != "" ? getenv("TEST_DATABASE_URL") : "postgres://postgres@127.0.0.1:5432/zebra_test?sslmode=disable"
  dev     = local.dev
  exclude = local.exclude
}

# Production: DATABASE_URL must be set, there is no default. Dropping a
# schema or a table is never planned here; `zebra schema apply
# --allow-destructive` is the reviewed way to do it.
env "prod" {
  src     = local.src
  schemas = local.schemas
  url     = getenv("DATABASE_URL")
  dev     = local.dev
  exclude = local.exclude
  diff {
    skip {
      drop_schema = true
      drop_table  = true
    }
  }
}
