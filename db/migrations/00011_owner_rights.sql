-- Row-level security binds the application, not the schema's owner.
--
-- Every table enables row-level security, and the application connects
-- as muster_app, which owns nothing, is no superuser and does not bypass
-- it (the application refuses to start as any other: db.CheckAppRole).
-- Until now every table also forced it on its owner, with a read policy
-- for every role but muster_app so that the functions that run with the
-- owner's rights (security definer: app_candidate_id(), the audit chain,
-- the activity clock) could see past it. That holds only where the owner
-- bypasses row-level security anyway (a superuser). Under an owner that
-- does not (managed Postgres), those functions run under every policy of
-- the tables they read; the planner calls a stable function to estimate
-- a comparison, so app_candidate_id() reading candidates, whose policies
-- read interests, whose policies call app_candidate_id(), recursed until
-- the stack ran out, and every query about a candidate failed. Not
-- forcing it lets the owner's functions read past it as they are written
-- to, whoever the owner is; the owner policies, which let any role but
-- muster_app read everything, go.

-- +goose Up
-- +goose StatementBegin
DO $$
DECLARE t text;
BEGIN
  FOR t IN SELECT c.relname FROM pg_class c
           WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r' AND c.relforcerowsecurity
  LOOP
    EXECUTE format('ALTER TABLE %I NO FORCE ROW LEVEL SECURITY', t);
  END LOOP;
END
$$;
-- +goose StatementEnd
DROP POLICY audit_events_owner ON audit_events;
DROP POLICY organisations_owner ON organisations;
DROP POLICY users_owner ON users;
DROP POLICY interests_owner ON interests;
DROP POLICY candidates_owner ON candidates;

-- +goose Down
CREATE POLICY audit_events_owner ON audit_events FOR SELECT USING (current_user <> 'muster_app');
CREATE POLICY organisations_owner ON organisations FOR SELECT USING (current_user <> 'muster_app');
CREATE POLICY users_owner ON users FOR SELECT USING (current_user <> 'muster_app');
CREATE POLICY interests_owner ON interests FOR SELECT USING (current_user <> 'muster_app');
CREATE POLICY candidates_owner ON candidates FOR SELECT USING (current_user <> 'muster_app');
-- +goose StatementBegin
DO $$
DECLARE t text;
BEGIN
  FOR t IN SELECT c.relname FROM pg_class c
           WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r' AND c.relrowsecurity
  LOOP
    EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
  END LOOP;
END
$$;
-- +goose StatementEnd
