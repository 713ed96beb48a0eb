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

# --- outbox (owner: audit/outbox engineer) ---------------------------------
table "outbox" {
  schema  = schema.platform
  comment = "Transactional outbox: events written in the transaction of the change, moved to Redis Streams by the relay."
  column "seq" {
    type    = bigint
    comment = "Insertion order; per-aggregate order follows it."
    identity {
      generated = ALWAYS
    }
  }
  column "id" {
    type    = uuid
    comment = "Event id (UUIDv7); consumers de-duplicate by it."
  }
  column "aggregate_type" {
    type    = text
    comment = "Selects the stream: <prefix>events:<aggregate_type>."
  }
  column "aggregate_id" {
    type = text
  }
  column "event_type" {
    type = text
  }
  column "payload" {
    type = jsonb
  }
  column "request_id" {
    type    = text
    default = ""
  }
  column "traceparent" {
    type    = text
    default = ""
    comment = "W3C trace context of the span that wrote the event."
  }
  column "tracestate" {
    type    = text
    default = ""
  }
  column "created_at" {
    type    = timestamptz
    default = sql("now()")
  }
  column "attempts" {
    type    = integer
    default = 0
  }
  column "next_attempt_at" {
    type    = timestamptz
    default = sql("now()")
  }
  column "published_at" {
    type = timestamptz
    null = true
  }
  column "dead_at" {
    type    = timestamptz
    null    = true
    comment = "Set after OUTBOX_MAX_ATTEMPTS failures; `zebra outbox requeue` clears it."
  }
  column "last_error" {
    type = text
    null = true
  }
  primary_key {
    columns = [column.id]
  }
  index "outbox_seq_key" {
    unique  = true
    columns = [column.seq]
  }
  index "outbox_pending_idx" {
    columns = [column.seq]
    where   = "((published_at IS NULL) AND (dead_at IS NULL))"
  }
  index "outbox_aggregate_pending_idx" {
    columns = [column.aggregate_type, column.aggregate_id, column.seq]
    where   = "(published_at IS NULL)"
  }
  index "outbox_published_idx" {
    columns = [column.published_at]
    where   = "(published_at IS NOT NULL)"
  }
  index "outbox_dead_idx" {
    columns = [column.dead_at]
    where   = "(dead_at IS NOT NULL)"
  }
}
