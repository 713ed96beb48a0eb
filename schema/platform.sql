-- Idempotent statements (CREATE OR REPLACE FUNCTION/TRIGGER, GRANT) that
-- Atlas HCL cannot express. `zebra schema apply` runs them after the planned
-- DDL, in the same transaction, after every apply; never create tables,
-- columns or indexes here (Atlas would plan to drop them).

-- --- outbox (owner: audit/outbox engineer) ---------------------------------
-- Wakes relays in other processes as soon as a transaction that wrote
-- outbox rows commits (NOTIFY is delivered at commit, once per channel and
-- payload per transaction, and never for a rolled-back one).
CREATE OR REPLACE FUNCTION platform.outbox_notify() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('platform_outbox', '');
  RETURN NULL;
END;
$$;

CREATE OR REPLACE TRIGGER outbox_notify
  AFTER INSERT ON platform.outbox
  FOR EACH STATEMENT EXECUTE FUNCTION platform.outbox_notify();
