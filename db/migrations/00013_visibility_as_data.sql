-- Visibility kept as data (issue 16; docs/decisions.md, "visibility as
-- data").
--
-- Until now every policy that decides what an organisation sees derived it
-- row by row: the interests policy called app_org_sees_candidate(), an
-- owner-rights function Postgres cannot inline, which read the candidate
-- again for each interest read; the threads policies did the same through
-- app_org_sees(). The organisation's view through an interest depends only
-- on the candidate's status, consent and spot check and on the interest's
-- state (sim.ViewOf), so it is now a column of the interest, org_view,
-- written by the database itself in the same transaction as any change to
-- one of those inputs:
--   - interests_view, before every insert or update of an interest,
--     computes it from the candidate's row (whatever the writer sent);
--   - candidates_view, after an update of a candidate's status, consent or
--     spot check, rewrites it on each of the candidate's interests whose
--     view changes.
-- The deployment's option to keep placed candidates with their placer is
-- the one input that is not data: 'placed' is the view that option opens.
-- A policy is then a plain comparison on the row (org_view = 'open'), which
-- the planner can use with the organisation's list index, and the
-- session's context is read once per statement (each app_*() call in a
-- policy is a scalar subquery, an InitPlan, not a call per row).

-- +goose Up
-- +goose StatementBegin
CREATE FUNCTION org_view(status text, sharing boolean, verification text, interest text)
RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE
    WHEN NOT coalesce(sharing AND verification <> 'rejected', false) THEN NULL
    WHEN status = 'registered' AND interest IS NOT NULL AND interest NOT IN ('removed', 'lapsed') THEN 'open'
    WHEN status = 'placed' AND interest = 'placed' THEN 'placed'
  END
$$;
-- +goose StatementEnd
GRANT EXECUTE ON FUNCTION org_view(text, boolean, text, text) TO muster_app;

-- org_sees(), the twin of sim.VisibilityPolicy.OrgSees, is now org_view()
-- with the deployment's option applied: one rule, not two.
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION org_sees(status text, sharing boolean, verification text, interest text, keep_placed boolean)
RETURNS boolean LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT coalesce(org_view(status, sharing, verification, interest) = 'open'
               OR (org_view(status, sharing, verification, interest) = 'placed' AND keep_placed), false)
$$;
-- +goose StatementEnd

-- Whether a view opens for this transaction: 'open' always, 'placed' when
-- the deployment keeps placed candidates with their placer.
-- +goose StatementBegin
CREATE FUNCTION app_view_open(v text) RETURNS boolean LANGUAGE sql STABLE AS $$
  SELECT coalesce(v = 'open' OR (v = 'placed' AND app_keep_placed()), false)
$$;
-- +goose StatementEnd
GRANT EXECUTE ON FUNCTION app_view_open(text) TO muster_app;

ALTER TABLE interests ADD COLUMN org_view text CHECK (org_view IN ('open', 'placed'));
COMMENT ON COLUMN interests.org_view IS 'class=operational; category=reporting; subject=candidate:candidate_id; anonymise=delete; seen_by=operator';
UPDATE interests i SET org_view = org_view(c.status, c.sharing, c.verification, i.state)
FROM candidates c WHERE c.id = i.candidate_id;

-- The organisation's list walks this index from its cursor: only the
-- interests some view may open are in it.
CREATE INDEX interests_org_view_list_idx ON interests (org_id, opened_at DESC, id DESC) WHERE org_view IS NOT NULL;

-- +goose StatementBegin
CREATE FUNCTION interests_view() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  NEW.org_view := (SELECT org_view(c.status, c.sharing, c.verification, NEW.state) FROM candidates c WHERE c.id = NEW.candidate_id);
  RETURN NEW;
END
$$;
-- +goose StatementEnd
-- Named to fire after interests_guard (before-triggers fire in name order):
-- the guard judges the writer's change, then the view is computed.
CREATE TRIGGER interests_view BEFORE INSERT OR UPDATE ON interests FOR EACH ROW EXECUTE FUNCTION interests_view();

-- +goose StatementBegin
CREATE FUNCTION candidates_view() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  UPDATE interests i SET org_view = org_view(NEW.status, NEW.sharing, NEW.verification, i.state)
  WHERE i.candidate_id = NEW.id
    AND i.org_view IS DISTINCT FROM org_view(NEW.status, NEW.sharing, NEW.verification, i.state);
  RETURN NULL;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER candidates_view AFTER UPDATE OF status, sharing, verification ON candidates
FOR EACH ROW WHEN ((OLD.status, OLD.sharing, OLD.verification) IS DISTINCT FROM (NEW.status, NEW.sharing, NEW.verification))
EXECUTE FUNCTION candidates_view();

-- The guard judges what a writer changes. An update that changes nothing
-- but org_view is the view being brought up to date (candidates_view), and
-- whoever caused it, the value written is the one interests_view computes.
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION interests_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  stages CONSTANT text[] := ARRAY['interested', 'contacted', 'engaged', 'work_placement', 'interviewing', 'offered', 'placed'];
BEGIN
  IF to_jsonb(NEW) - 'org_view' = to_jsonb(OLD) - 'org_view' THEN
    RETURN NEW;
  END IF;
  IF NEW.id <> OLD.id OR NEW.candidate_id <> OLD.candidate_id OR NEW.org_id <> OLD.org_id THEN
    RAISE EXCEPTION 'an interest cannot move to another candidate or organisation' USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF app_is_staff() THEN
    RETURN NEW;
  END IF;
  IF app_role() = 'candidate' THEN
    IF NOT ((NEW.state = 'removed' AND OLD.state NOT IN ('placed', 'removed', 'lapsed')
             AND (NEW.interviewed, NEW.work_placed, NEW.opened_at) IS NOT DISTINCT FROM (OLD.interviewed, OLD.work_placed, OLD.opened_at))
         OR (OLD.state IN ('removed', 'lapsed') AND NEW.state = 'interested' AND NOT NEW.interviewed AND NOT NEW.work_placed)) THEN
      RAISE EXCEPTION 'a candidate only takes a choice back or makes it again' USING ERRCODE = 'insufficient_privilege';
    END IF;
  ELSIF app_role() IN ('org_admin', 'org_user') THEN
    IF OLD.state IN ('placed', 'not_progressed', 'removed', 'lapsed')
       OR NEW.opened_at <> OLD.opened_at
       OR (OLD.interviewed AND NOT NEW.interviewed) OR (OLD.work_placed AND NOT NEW.work_placed)
       OR (NEW.state = 'placed' AND OLD.state <> 'offered')
       OR (NEW.state <> 'not_progressed' AND array_position(stages, NEW.state) < array_position(stages, OLD.state)) THEN
      RAISE EXCEPTION 'an organisation moves an interest forward only, as the journey allows' USING ERRCODE = 'insufficient_privilege';
    END IF;
  END IF;
  RETURN NEW;
END
$$;
-- +goose StatementEnd

-- A candidate's own: their role, then their record (the record's lookup
-- runs only for a candidate).
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION app_candidate_id() RETURNS uuid
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT CASE WHEN app_role() = 'candidate' THEN (SELECT c.id FROM candidates c WHERE c.user_id = app_user_id()) END
$$;
-- +goose StatementEnd

-- Which organisation sees which candidate, for the threads' policies: the
-- interest's view, one probe of its unique index.
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION app_org_sees(candidate uuid, org uuid) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT coalesce((SELECT app_view_open(i.org_view) FROM interests i WHERE i.candidate_id = candidate AND i.org_id = org), false)
$$;
-- +goose StatementEnd

DROP POLICY interests_read ON interests;
CREATE POLICY interests_read ON interests FOR SELECT USING (
  (SELECT app_is_staff())
  OR ((SELECT app_role()) = 'candidate' AND candidate_id = (SELECT app_candidate_id()))
  OR ((SELECT app_role()) IN ('org_admin', 'org_user') AND org_id = (SELECT app_org_id())
      AND (org_view = 'open' OR (org_view = 'placed' AND (SELECT app_keep_placed())))));
DROP POLICY interests_update ON interests;
CREATE POLICY interests_update ON interests FOR UPDATE USING (
  (SELECT app_is_staff())
  OR ((SELECT app_role()) = 'candidate' AND candidate_id = (SELECT app_candidate_id()))
  OR ((SELECT app_role()) IN ('org_admin', 'org_user') AND org_id = (SELECT app_org_id())
      AND (org_view = 'open' OR (org_view = 'placed' AND (SELECT app_keep_placed())))))
  WITH CHECK (app_is_staff() OR (candidate_id = app_candidate_id() AND state IN ('interested', 'removed'))
      OR (app_in_org(org_id) AND state NOT IN ('interested', 'removed')));

DROP POLICY candidates_read ON candidates;
CREATE POLICY candidates_read ON candidates FOR SELECT USING (
  (SELECT app_is_staff())
  OR ((SELECT app_role()) = 'candidate' AND user_id = (SELECT app_user_id()))
  OR ((SELECT app_role()) = 'anonymous' AND id IN (SELECT i.candidate_id FROM invitations i WHERE i.id IN (SELECT app_link_invitations()))));
DROP POLICY candidates_update ON candidates;
CREATE POLICY candidates_update ON candidates FOR UPDATE USING (
  (SELECT app_is_staff())
  OR ((SELECT app_role()) = 'candidate' AND user_id = (SELECT app_user_id()))
  OR ((SELECT app_role()) = 'anonymous' AND id IN (SELECT i.candidate_id FROM invitations i WHERE i.id IN (SELECT app_link_invitations()))));
DROP POLICY candidates_org_read ON candidates;
CREATE POLICY candidates_org_read ON candidates FOR SELECT USING (
  (SELECT app_role()) IN ('org_admin', 'org_user')
  AND EXISTS (SELECT 1 FROM interests i WHERE i.candidate_id = candidates.id AND i.org_id = (SELECT app_org_id())));
DROP POLICY candidates_org_place ON candidates;
CREATE POLICY candidates_org_place ON candidates FOR UPDATE USING (
  (SELECT app_role()) IN ('org_admin', 'org_user')
  AND EXISTS (SELECT 1 FROM interests i WHERE i.candidate_id = candidates.id AND i.org_id = (SELECT app_org_id())))
  WITH CHECK (app_role() IN ('org_admin', 'org_user') AND status = 'placed');

DROP POLICY threads_read ON threads;
CREATE POLICY threads_read ON threads FOR SELECT USING (
  (SELECT app_is_staff())
  OR ((SELECT app_role()) = 'candidate' AND candidate_id = (SELECT app_candidate_id()))
  OR ((SELECT app_role()) IN ('org_admin', 'org_user') AND org_id = (SELECT app_org_id()) AND app_org_sees(candidate_id, org_id)));

-- +goose Down
DROP POLICY threads_read ON threads;
CREATE POLICY threads_read ON threads FOR SELECT
    USING (app_is_staff() OR candidate_id = app_candidate_id()
    OR (app_in_org(org_id) AND app_org_sees(candidate_id, org_id)));
DROP POLICY candidates_org_place ON candidates;
CREATE POLICY candidates_org_place ON candidates FOR UPDATE
    USING (app_role() IN ('org_admin', 'org_user') AND EXISTS (SELECT 1 FROM interests i WHERE i.candidate_id = candidates.id AND i.org_id = app_org_id()))
    WITH CHECK (app_role() IN ('org_admin', 'org_user') AND status = 'placed');
DROP POLICY candidates_org_read ON candidates;
CREATE POLICY candidates_org_read ON candidates FOR SELECT
    USING (app_role() IN ('org_admin', 'org_user') AND EXISTS (SELECT 1 FROM interests i WHERE i.candidate_id = candidates.id AND i.org_id = app_org_id()));
DROP POLICY candidates_update ON candidates;
CREATE POLICY candidates_update ON candidates FOR UPDATE
    USING (app_is_staff() OR (app_role() = 'candidate' AND user_id = app_user_id())
    OR id IN (SELECT i.candidate_id FROM invitations i WHERE i.id IN (SELECT app_link_invitations())));
DROP POLICY candidates_read ON candidates;
CREATE POLICY candidates_read ON candidates FOR SELECT
    USING (app_is_staff() OR (app_role() = 'candidate' AND user_id = app_user_id())
    OR id IN (SELECT i.candidate_id FROM invitations i WHERE i.id IN (SELECT app_link_invitations())));
DROP POLICY interests_update ON interests;
CREATE POLICY interests_update ON interests FOR UPDATE
    USING (app_is_staff() OR candidate_id = app_candidate_id() OR (app_in_org(org_id) AND app_org_sees_candidate(candidate_id, state)))
    WITH CHECK (app_is_staff() OR (candidate_id = app_candidate_id() AND state IN ('interested', 'removed'))
        OR (app_in_org(org_id) AND state NOT IN ('interested', 'removed')));
DROP POLICY interests_read ON interests;
CREATE POLICY interests_read ON interests FOR SELECT
    USING (app_is_staff() OR candidate_id = app_candidate_id() OR (app_in_org(org_id) AND app_org_sees_candidate(candidate_id, state)));
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION app_org_sees(candidate uuid, org uuid) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT coalesce((SELECT org_sees(c.status, c.sharing, c.verification, i.state, app_keep_placed())
                   FROM candidates c JOIN interests i ON i.candidate_id = c.id AND i.org_id = org
                   WHERE c.id = candidate), false)
$$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION app_candidate_id() RETURNS uuid
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT c.id FROM candidates c WHERE app_role() = 'candidate' AND c.user_id = app_user_id()
$$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION interests_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  stages CONSTANT text[] := ARRAY['interested', 'contacted', 'engaged', 'work_placement', 'interviewing', 'offered', 'placed'];
BEGIN
  IF NEW.id <> OLD.id OR NEW.candidate_id <> OLD.candidate_id OR NEW.org_id <> OLD.org_id THEN
    RAISE EXCEPTION 'an interest cannot move to another candidate or organisation' USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF app_is_staff() THEN
    RETURN NEW;
  END IF;
  IF app_role() = 'candidate' THEN
    IF NOT ((NEW.state = 'removed' AND OLD.state NOT IN ('placed', 'removed', 'lapsed')
             AND (NEW.interviewed, NEW.work_placed, NEW.opened_at) IS NOT DISTINCT FROM (OLD.interviewed, OLD.work_placed, OLD.opened_at))
         OR (OLD.state IN ('removed', 'lapsed') AND NEW.state = 'interested' AND NOT NEW.interviewed AND NOT NEW.work_placed)) THEN
      RAISE EXCEPTION 'a candidate only takes a choice back or makes it again' USING ERRCODE = 'insufficient_privilege';
    END IF;
  ELSIF app_role() IN ('org_admin', 'org_user') THEN
    IF OLD.state IN ('placed', 'not_progressed', 'removed', 'lapsed')
       OR NEW.opened_at <> OLD.opened_at
       OR (OLD.interviewed AND NOT NEW.interviewed) OR (OLD.work_placed AND NOT NEW.work_placed)
       OR (NEW.state = 'placed' AND OLD.state <> 'offered')
       OR (NEW.state <> 'not_progressed' AND array_position(stages, NEW.state) < array_position(stages, OLD.state)) THEN
      RAISE EXCEPTION 'an organisation moves an interest forward only, as the journey allows' USING ERRCODE = 'insufficient_privilege';
    END IF;
  END IF;
  RETURN NEW;
END
$$;
-- +goose StatementEnd
DROP TRIGGER candidates_view ON candidates;
DROP FUNCTION candidates_view();
DROP TRIGGER interests_view ON interests;
DROP FUNCTION interests_view();
DROP INDEX interests_org_view_list_idx;
ALTER TABLE interests DROP COLUMN org_view;
DROP FUNCTION app_view_open(text);
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION org_sees(status text, sharing boolean, verification text, interest text, keep_placed boolean)
RETURNS boolean LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT coalesce(sharing AND verification <> 'rejected' AND CASE status
    WHEN 'registered' THEN interest IS NOT NULL AND interest NOT IN ('removed', 'lapsed')
    WHEN 'placed' THEN keep_placed AND interest = 'placed'
    ELSE false END, false)
$$;
-- +goose StatementEnd
DROP FUNCTION org_view(text, boolean, text, text);
