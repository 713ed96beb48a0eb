-- A function that reads as its owner would read beta's tables.
CREATE OR REPLACE FUNCTION alpha.peek() RETURNS int
LANGUAGE sql SECURITY DEFINER AS $$ SELECT count(*)::int FROM beta.secrets $$;
CREATE OR REPLACE FUNCTION alpha.fine() RETURNS int LANGUAGE sql SECURITY INVOKER AS $$ SELECT 1 $$;
