-- Which organisations see a candidate's record, on the candidate's own row
-- (issue 16; docs/decisions.md, "who sees a candidate, on the candidate's
-- row").
--
-- An organisation's user reads a candidate's record only while the
-- candidate holds an interest in their organisation that the organisation
-- sees (interests.org_view 'open', or 'placed' where the deployment keeps
-- placed candidates with their placer). The policy said so with a subquery,
-- EXISTS (an interest of this candidate and this organisation, through the
-- interests' own policy), which Postgres runs once for every candidate row
-- a statement reads: one probe of the interests' unique index each. On the
-- employer's list it was the largest single cost row-level security added
-- (25 probes a page; with it the list ran at 0.65 of the same statements
-- without row-level security, without it at 0.85). The answer depends only
-- on the candidate's interests' views, which the database already keeps
-- (00013), so it is now data on the row too: orgs_open and orgs_placed, the
-- organisations whose interest's view is 'open' and 'placed', rewritten by
-- interests_orgs() in the same transaction as any insert, delete or change
-- of view of one of the candidate's interests; and the policy is a
-- comparison on the row.
--
-- Nobody writes them but interests_orgs(): a new candidate has none
-- (candidates_orgs), and candidates_guard refuses any other change to them,
-- the owner's and the operator's included, unless it comes from a trigger
-- (pg_trigger_depth() > 1: the update interests_orgs() makes).

-- +goose Up
ALTER TABLE candidates ADD COLUMN orgs_open uuid[] NOT NULL DEFAULT '{}', ADD COLUMN orgs_placed uuid[] NOT NULL DEFAULT '{}';
COMMENT ON COLUMN candidates.orgs_open IS 'class=operational; category=candidate_record; subject=candidate; anonymise=delete; seen_by=engine';
COMMENT ON COLUMN candidates.orgs_placed IS 'class=operational; category=candidate_record; subject=candidate; anonymise=delete; seen_by=engine';

-- +goose StatementBegin
CREATE FUNCTION candidate_orgs(candidate uuid) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  UPDATE candidates c SET orgs_open = x.open, orgs_placed = x.placed
  FROM (SELECT coalesce(array_agg(i.org_id ORDER BY i.org_id) FILTER (WHERE i.org_view = 'open'), '{}') AS open,
               coalesce(array_agg(i.org_id ORDER BY i.org_id) FILTER (WHERE i.org_view = 'placed'), '{}') AS placed
        FROM interests i WHERE i.candidate_id = candidate) x
  WHERE c.id = candidate AND (c.orgs_open, c.orgs_placed) IS DISTINCT FROM (x.open, x.placed);
END
$$;
-- +goose StatementEnd
REVOKE ALL ON FUNCTION candidate_orgs(uuid) FROM PUBLIC;
SELECT candidate_orgs(c.id) FROM candidates c WHERE EXISTS (SELECT 1 FROM interests i WHERE i.candidate_id = c.id);

-- +goose StatementBegin
CREATE FUNCTION interests_orgs() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    PERFORM candidate_orgs(OLD.candidate_id);
  ELSE
    PERFORM candidate_orgs(NEW.candidate_id);
  END IF;
  RETURN NULL;
END
$$;
-- +goose StatementEnd
-- An interest never moves to another candidate (interests_guard). Not
-- "UPDATE OF org_view": interests_view, not the writer, sets it, and a
-- column's trigger fires only for the columns the writer's SET names.
CREATE TRIGGER interests_orgs AFTER INSERT OR DELETE ON interests FOR EACH ROW EXECUTE FUNCTION interests_orgs();
CREATE TRIGGER interests_orgs_view AFTER UPDATE ON interests
FOR EACH ROW WHEN (OLD.org_view IS DISTINCT FROM NEW.org_view) EXECUTE FUNCTION interests_orgs();

-- +goose StatementBegin
CREATE FUNCTION candidates_orgs() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  NEW.orgs_open := '{}';
  NEW.orgs_placed := '{}';
  RETURN NEW;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER candidates_orgs BEFORE INSERT ON candidates FOR EACH ROW EXECUTE FUNCTION candidates_orgs();

-- candidates_guard as in 00005, with the organisations first: written only
-- by interests_orgs(), and a change to them alone is that function's.
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION candidates_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF (NEW.orgs_open, NEW.orgs_placed) IS DISTINCT FROM (OLD.orgs_open, OLD.orgs_placed) THEN
    IF pg_trigger_depth() < 2 THEN
      RAISE EXCEPTION 'which organisations see a candidate follows their interests' USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF to_jsonb(NEW) - 'orgs_open' - 'orgs_placed' = to_jsonb(OLD) - 'orgs_open' - 'orgs_placed' THEN
      RETURN NEW;
    END IF;
  END IF;
  IF app_is_staff() THEN
    RETURN NEW;
  END IF;
  IF NEW.verification <> OLD.verification
     AND NOT (OLD.verification = 'unchecked' AND NEW.verification = 'sampled' AND app_role() = 'anonymous') THEN
    RAISE EXCEPTION 'only the programme operator decides a spot check' USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF app_role() = 'candidate' AND NEW.status <> OLD.status
     AND NOT (OLD.status = 'registered' AND NEW.status = 'withdrawn') THEN
    RAISE EXCEPTION 'a candidate can only withdraw' USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF app_role() IN ('org_admin', 'org_user') THEN
    IF (NEW.*) IS DISTINCT FROM (OLD.*) AND NOT (
         OLD.status = 'registered' AND NEW.status = 'placed'
         AND (NEW.id, NEW.user_id, NEW.first_name, NEW.last_name, NEW.phone, NEW.date_of_birth, NEW.connection,
              NEW.skills, NEW.job_preferences, NEW.region, NEW.heard_about, NEW.invited_at, NEW.registered_at,
              NEW.sharing, NEW.verification)
             IS NOT DISTINCT FROM
             (OLD.id, OLD.user_id, OLD.first_name, OLD.last_name, OLD.phone, OLD.date_of_birth, OLD.connection,
              OLD.skills, OLD.job_preferences, OLD.region, OLD.heard_about, OLD.invited_at, OLD.registered_at,
              OLD.sharing, OLD.verification)
         AND EXISTS (SELECT 1 FROM interests i WHERE i.candidate_id = NEW.id AND i.org_id = app_org_id()
                     AND i.state = 'placed')) THEN
      RAISE EXCEPTION 'an organisation only records a placement' USING ERRCODE = 'insufficient_privilege';
    END IF;
  END IF;
  RETURN NEW;
END
$$;
-- +goose StatementEnd

ALTER POLICY candidates_org_read ON candidates USING (
  (SELECT app_role()) IN ('org_admin', 'org_user')
  AND ((SELECT app_org_id()) = ANY (orgs_open) OR ((SELECT app_keep_placed()) AND (SELECT app_org_id()) = ANY (orgs_placed))));
ALTER POLICY candidates_org_place ON candidates USING (
  (SELECT app_role()) IN ('org_admin', 'org_user')
  AND ((SELECT app_org_id()) = ANY (orgs_open) OR ((SELECT app_keep_placed()) AND (SELECT app_org_id()) = ANY (orgs_placed))));

-- +goose Down
ALTER POLICY candidates_org_place ON candidates USING (
  (SELECT app_role()) IN ('org_admin', 'org_user')
  AND EXISTS (SELECT 1 FROM interests i WHERE i.candidate_id = candidates.id AND i.org_id = (SELECT app_org_id())));
ALTER POLICY candidates_org_read ON candidates USING (
  (SELECT app_role()) IN ('org_admin', 'org_user')
  AND EXISTS (SELECT 1 FROM interests i WHERE i.candidate_id = candidates.id AND i.org_id = (SELECT app_org_id())));
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION candidates_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF app_is_staff() THEN
    RETURN NEW;
  END IF;
  IF NEW.verification <> OLD.verification
     AND NOT (OLD.verification = 'unchecked' AND NEW.verification = 'sampled' AND app_role() = 'anonymous') THEN
    RAISE EXCEPTION 'only the programme operator decides a spot check' USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF app_role() = 'candidate' AND NEW.status <> OLD.status
     AND NOT (OLD.status = 'registered' AND NEW.status = 'withdrawn') THEN
    RAISE EXCEPTION 'a candidate can only withdraw' USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF app_role() IN ('org_admin', 'org_user') THEN
    IF (NEW.*) IS DISTINCT FROM (OLD.*) AND NOT (
         OLD.status = 'registered' AND NEW.status = 'placed'
         AND (NEW.id, NEW.user_id, NEW.first_name, NEW.last_name, NEW.phone, NEW.date_of_birth, NEW.connection,
              NEW.skills, NEW.job_preferences, NEW.region, NEW.heard_about, NEW.invited_at, NEW.registered_at,
              NEW.sharing, NEW.verification)
             IS NOT DISTINCT FROM
             (OLD.id, OLD.user_id, OLD.first_name, OLD.last_name, OLD.phone, OLD.date_of_birth, OLD.connection,
              OLD.skills, OLD.job_preferences, OLD.region, OLD.heard_about, OLD.invited_at, OLD.registered_at,
              OLD.sharing, OLD.verification)
         AND EXISTS (SELECT 1 FROM interests i WHERE i.candidate_id = NEW.id AND i.org_id = app_org_id()
                     AND i.state = 'placed')) THEN
      RAISE EXCEPTION 'an organisation only records a placement' USING ERRCODE = 'insufficient_privilege';
    END IF;
  END IF;
  RETURN NEW;
END
$$;
-- +goose StatementEnd
DROP TRIGGER candidates_orgs ON candidates;
DROP FUNCTION candidates_orgs();
DROP TRIGGER interests_orgs_view ON interests;
DROP TRIGGER interests_orgs ON interests;
DROP FUNCTION interests_orgs();
DROP FUNCTION candidate_orgs(uuid);
ALTER TABLE candidates DROP COLUMN orgs_open, DROP COLUMN orgs_placed;
