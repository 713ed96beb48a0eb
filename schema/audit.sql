-- audit: idempotent statements run after every apply.

-- The empty chain: seq 0 and the genesis hash (32 zero bytes).
INSERT INTO audit.chain_head (id, seq, hash, event_id)
VALUES (1, 0, '\x0000000000000000000000000000000000000000000000000000000000000000'::bytea, NULL)
ON CONFLICT (id) DO NOTHING;

-- Append-only, enforced by the database: whoever connects (the owner, the
-- user that applies the schema, included), UPDATE, DELETE and TRUNCATE of
-- audit.events fail. Only someone who can ALTER the
-- table (drop or disable this trigger) gets past it, and the hash chain
-- makes what they change detectable.
CREATE OR REPLACE FUNCTION audit.refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit.% is append-only: % is not allowed', TG_TABLE_NAME, TG_OP
    USING ERRCODE = 'insufficient_privilege',
          HINT = 'audit events are never changed or removed; record a new event instead';
END;
$$;

CREATE OR REPLACE TRIGGER events_append_only
  BEFORE UPDATE OR DELETE ON audit.events
  FOR EACH ROW EXECUTE FUNCTION audit.refuse_change();

CREATE OR REPLACE TRIGGER events_no_truncate
  BEFORE TRUNCATE ON audit.events
  FOR EACH STATEMENT EXECUTE FUNCTION audit.refuse_change();

-- The list is ordered by id, newest first: a UUIDv7 starts with its
-- creation time in milliseconds. An id of another version, or dated more
-- than five minutes ahead of the database's clock (the allowance for the
-- clocks of the service's hosts), would put a row at the top of the list
-- for as long as it likes: refused, whoever inserts.
CREATE OR REPLACE FUNCTION audit.refuse_unordered_id() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF substr(NEW.id::text, 15, 1) <> '7'
     OR ('x' || substr(replace(NEW.id::text, '-', ''), 1, 12))::bit(48)::bigint
        > (extract(epoch FROM clock_timestamp()) * 1000)::bigint + 5 * 60 * 1000 THEN
    RAISE EXCEPTION 'audit.events.id % is not a UUIDv7 of the past', NEW.id
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END;
$$;

CREATE OR REPLACE TRIGGER events_ordered_id
  BEFORE INSERT ON audit.events
  FOR EACH ROW EXECUTE FUNCTION audit.refuse_unordered_id();

-- Every row inserted into audit.events is queued for the chainer in the
-- same statement, however it was inserted: the service's append is one
-- INSERT, and no event reaches the table without being queued for the
-- chain (triggers are not declarable in the HCL of Atlas' free edition).
CREATE OR REPLACE FUNCTION audit.queue_events() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO audit.unchained (event_id) SELECT id FROM inserted;
  RETURN NULL;
END;
$$;

CREATE OR REPLACE TRIGGER events_queue
  AFTER INSERT ON audit.events
  REFERENCING NEW TABLE AS inserted
  FOR EACH STATEMENT EXECUTE FUNCTION audit.queue_events();

-- The chain is append-only in the same way.
CREATE OR REPLACE TRIGGER chain_append_only
  BEFORE UPDATE OR DELETE ON audit.chain
  FOR EACH ROW EXECUTE FUNCTION audit.refuse_change();

CREATE OR REPLACE TRIGGER chain_no_truncate
  BEFORE TRUNCATE ON audit.chain
  FOR EACH STATEMENT EXECUTE FUNCTION audit.refuse_change();

-- The chain head only moves forward, and is never removed.
CREATE OR REPLACE FUNCTION audit.chain_head_forward_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'UPDATE' OR NEW.seq <= OLD.seq THEN
    RAISE EXCEPTION 'audit.chain_head only moves forward: % is not allowed', TG_OP
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NEW;
END;
$$;

CREATE OR REPLACE TRIGGER chain_head_forward_only
  BEFORE UPDATE OR DELETE ON audit.chain_head
  FOR EACH ROW EXECUTE FUNCTION audit.chain_head_forward_only();

CREATE OR REPLACE TRIGGER chain_head_no_truncate
  BEFORE TRUNCATE ON audit.chain_head
  FOR EACH STATEMENT EXECUTE FUNCTION audit.chain_head_forward_only();

-- The queue between the writers and the chainer: every audited write
-- inserts a row that the chainer deletes a moment later. A vacuum would
-- find its tail pages empty and truncate them, under an ACCESS EXCLUSIVE
-- lock that every writer's INSERT waits behind (through the truncation's
-- WAL flush), after which the writers must extend the table again, page
-- by page, under its extension lock (docs/performance.md). Keeping the
-- pages costs the few hundred kilobytes of the queue's busiest moment.
ALTER TABLE audit.unchained SET (vacuum_truncate = false);

-- Belt and braces for roles other than the owner: nobody gets UPDATE,
-- DELETE or TRUNCATE through PUBLIC. The service's statements run as the
-- modules' database roles, which `zebra schema apply` grants exactly what
-- modules/audit/internal/postgres/source.go declares, after this file
-- (docs/audit.md, docs/adr/0007-module-database-roles.md).
REVOKE UPDATE, DELETE, TRUNCATE ON audit.events FROM PUBLIC;
REVOKE UPDATE, DELETE, TRUNCATE ON audit.chain FROM PUBLIC;
REVOKE DELETE, TRUNCATE ON audit.chain_head FROM PUBLIC;
