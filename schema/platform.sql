-- Idempotent statements (CREATE OR REPLACE FUNCTION/TRIGGER, GRANT) that
-- Atlas HCL cannot express. `zebra schema apply` runs them after the planned
-- DDL, in the same transaction, after every apply; never create tables,
-- columns or indexes here (Atlas would plan to drop them).

-- --- outbox (owner: audit/outbox engineer) ---------------------------------
-- Relays of other processes are woken by a NOTIFY platform_outbox that the
-- writer sends after the commit, from a transaction of its own, only when
-- no relay runs in its process. It used to be a statement trigger here: a
-- NOTIFY inside the command's transaction makes PostgreSQL serialise the
-- commits of every such transaction on one lock held through the WAL flush,
-- which capped activity writes at ~1 per flush (docs/performance.md).
DROP TRIGGER IF EXISTS outbox_notify ON platform.outbox;
DROP FUNCTION IF EXISTS platform.outbox_notify();
