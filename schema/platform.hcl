schema "platform" {
  comment = "Tables owned by the platform context."
}

# Idempotency keys (owner: platform/idempotency). One row per (caller scope,
# key): inserted as "started" before the handler runs, so concurrent
# duplicates see it; completed with the response in the same transaction as
# the handler's side effects; deleted after 24 h by the cleanup job.
table "idempotency_keys" {
  schema  = schema.platform
  comment = "Outcomes of requests sent with an Idempotency-Key, replayed for 24 h."
  column "scope" {
    type    = text
    comment = "Whose key: user:<id>, or ip:<address> for anonymous callers."
  }
  column "key" {
    type = text
  }
  column "fingerprint" {
    type    = text
    comment = "SHA-256 of method, path and body: the same key with another request is refused."
  }
  column "state" {
    type    = text
    default = "started"
  }
  column "locked_at" {
    type    = timestamptz
    comment = "When the running attempt started; an attempt older than the lease may be taken over."
  }
  column "created_at" {
    type    = timestamptz
    default = sql("now()")
  }
  column "completed_at" {
    type = timestamptz
    null = true
  }
  column "response_status" {
    type = integer
    null = true
  }
  column "response_headers" {
    type = jsonb
    null = true
  }
  column "response_body" {
    type = bytea
    null = true
  }
  primary_key {
    columns = [column.scope, column.key]
  }
  index "idempotency_keys_created_at_idx" {
    columns = [column.created_at]
  }
  check "idempotency_keys_state_check" {
    expr = "(state = ANY (ARRAY['started'::text, 'completed'::text]))"
  }
}
