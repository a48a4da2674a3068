-- The candidate journey with organisations: a candidate's interests in the
-- organisations they choose and the interventions those organisations
-- record on them, what visibility needs on the candidate's row (consent,
-- the spot check's outcome), and the ledger that makes each notification
-- go out once. Who sees a candidate is one rule,
-- org_sees() below, the SQL twin of sim.VisibilityPolicy.OrgSees.

-- +goose Up

-- The deployment's visibility option (sim.VisibilityPolicy), set by the one
-- transaction seam: 'on' keeps a placed candidate visible to the
-- organisation that placed them.
-- +goose StatementBegin
CREATE FUNCTION app_keep_placed() RETURNS boolean
LANGUAGE sql STABLE AS $$ SELECT coalesce(current_setting('app.keep_placed', true) = 'on', false) $$;
-- +goose StatementEnd

-- Whether an organisation in which the candidate's interest is in state
-- interest (NULL for none) sees the candidate. Keep it identical to
-- sim.VisibilityPolicy.OrgSees: a db test compares the two over every
-- combination of their inputs.
-- +goose StatementBegin
CREATE FUNCTION org_sees(status text, sharing boolean, verification text, interest text, keep_placed boolean)
RETURNS boolean LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT coalesce(sharing AND verification <> 'rejected' AND CASE status
    WHEN 'registered' THEN interest IS NOT NULL AND interest <> 'removed'
    WHEN 'placed' THEN keep_placed AND interest = 'placed'
    ELSE false END, false)
$$;
-- +goose StatementEnd
GRANT EXECUTE ON FUNCTION app_keep_placed(), org_sees(text, boolean, text, text, boolean) TO muster_app;

-- What visibility needs of a candidate, kept on the row: the latest
-- consent to share (maintained from consents by a trigger) and the spot
-- check's outcome.
ALTER TABLE candidates
    ADD COLUMN sharing boolean NOT NULL DEFAULT false,
    ADD COLUMN verification text NOT NULL DEFAULT 'unchecked'
        CHECK (verification IN ('unchecked', 'sampled', 'verified', 'rejected'));
COMMENT ON COLUMN candidates.sharing IS 'class=operational; category=consent';
COMMENT ON COLUMN candidates.verification IS 'class=operational; category=candidate_record';
UPDATE candidates c SET sharing = coalesce((
    SELECT k.given FROM consents k WHERE k.candidate_id = c.id ORDER BY k.recorded_at DESC, k.id DESC LIMIT 1), false);

-- +goose StatementBegin
CREATE FUNCTION consents_to_candidate() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  UPDATE candidates SET sharing = NEW.given WHERE id = NEW.candidate_id;
  RETURN NULL;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER consents_to_candidate AFTER INSERT ON consents
    FOR EACH ROW EXECUTE FUNCTION consents_to_candidate();

-- A candidate's interest in an organisation (sim.Interest).
CREATE TABLE interests (
    id          uuid PRIMARY KEY,
    candidate_id uuid NOT NULL REFERENCES candidates (id) ON DELETE CASCADE,
    org_id      uuid NOT NULL REFERENCES organisations (id),
    state       text NOT NULL CHECK (state IN ('interested', 'contacted', 'engaged', 'work_placement',
                    'interviewing', 'offered', 'placed', 'not_progressed', 'removed')),
    interviewed boolean NOT NULL DEFAULT false,
    work_placed boolean NOT NULL DEFAULT false,
    opened_at   timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL,
    UNIQUE (candidate_id, org_id)
);
-- The employer's list: newest interest first, keyset on (opened_at, id).
CREATE INDEX interests_org_list_idx ON interests (org_id, opened_at DESC, id DESC);
COMMENT ON TABLE interests IS 'Each organisation a candidate chose, and how far the organisation has taken them.';
COMMENT ON COLUMN interests.id IS 'class=operational; category=reporting';
COMMENT ON COLUMN interests.candidate_id IS 'class=operational; category=reporting';
COMMENT ON COLUMN interests.org_id IS 'class=operational; category=reporting';
COMMENT ON COLUMN interests.state IS 'class=anonymous; category=reporting';
COMMENT ON COLUMN interests.interviewed IS 'class=anonymous; category=reporting';
COMMENT ON COLUMN interests.work_placed IS 'class=anonymous; category=reporting';
COMMENT ON COLUMN interests.opened_at IS 'class=operational; category=reporting';
COMMENT ON COLUMN interests.updated_at IS 'class=operational; category=reporting';

-- Whether the caller's organisation sees a candidate through an interest
-- in state interest. Runs with the owner's rights: the interests policy
-- reads the candidate, and the candidates policy reads interests.
-- +goose StatementBegin
CREATE FUNCTION app_org_sees_candidate(candidate uuid, interest text) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT coalesce((SELECT org_sees(c.status, c.sharing, c.verification, interest, app_keep_placed())
                   FROM candidates c WHERE c.id = candidate), false)
$$;
-- +goose StatementEnd
GRANT EXECUTE ON FUNCTION app_org_sees_candidate(uuid, text) TO muster_app;

-- The signed-in candidate's own record, read with the owner's rights:
-- the interests policies cannot read candidates under candidates' own
-- policy, which reads interests.
-- +goose StatementBegin
CREATE FUNCTION app_candidate_id() RETURNS uuid
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT c.id FROM candidates c WHERE app_role() = 'candidate' AND c.user_id = app_user_id()
$$;
-- +goose StatementEnd
GRANT EXECUTE ON FUNCTION app_candidate_id() TO muster_app;

-- Interventions: the support an organisation recorded, append-only.
CREATE TABLE interventions (
    id          uuid PRIMARY KEY,
    interest_id uuid NOT NULL REFERENCES interests (id) ON DELETE CASCADE,
    kind        text NOT NULL CHECK (kind IN ('contacted', 'information_day', 'work_placement', 'interview',
                    'offer', 'placed', 'not_progressed')),
    occurred_on date NOT NULL,
    ends_on     date,
    attended    boolean,
    direct      boolean NOT NULL DEFAULT false,
    reason      text CHECK (reason IN ('no_suitable_vacancy', 'did_not_meet_requirements', 'candidate_declined',
                    'candidate_unresponsive', 'offer_declined', 'pre_employment_checks',
                    'candidate_found_other_work', 'other')),
    recorded_by uuid REFERENCES users (id) ON DELETE SET NULL,
    recorded_at timestamptz NOT NULL,
    CHECK (ends_on IS NULL OR ends_on >= occurred_on),
    CHECK ((reason IS NOT NULL) = (kind = 'not_progressed'))
);
CREATE INDEX interventions_interest_idx ON interventions (interest_id, recorded_at);
COMMENT ON TABLE interventions IS 'Append-only: the pre-employment support organisations recorded on interests, with dates and who recorded it.';
COMMENT ON COLUMN interventions.id IS 'class=operational; category=reporting';
COMMENT ON COLUMN interventions.interest_id IS 'class=operational; category=reporting';
COMMENT ON COLUMN interventions.kind IS 'class=anonymous; category=reporting';
COMMENT ON COLUMN interventions.occurred_on IS 'class=operational; category=reporting';
COMMENT ON COLUMN interventions.ends_on IS 'class=operational; category=reporting';
COMMENT ON COLUMN interventions.attended IS 'class=anonymous; category=reporting';
COMMENT ON COLUMN interventions.direct IS 'class=anonymous; category=reporting';
COMMENT ON COLUMN interventions.reason IS 'class=anonymous; category=reporting';
COMMENT ON COLUMN interventions.recorded_by IS 'class=operational; category=reporting';
COMMENT ON COLUMN interventions.recorded_at IS 'class=operational; category=reporting';

-- Journey events now also record an organisation's part: an interest
-- chosen or removed, an intervention recorded (from and to are then the
-- interest's states).
ALTER TABLE journey_events
    ADD COLUMN org_id uuid REFERENCES organisations (id),
    ADD COLUMN interest_id uuid REFERENCES interests (id) ON DELETE CASCADE;
CREATE INDEX journey_events_org_idx ON journey_events (org_id, occurred_at) WHERE org_id IS NOT NULL;
COMMENT ON COLUMN journey_events.org_id IS 'class=operational; category=reporting';
COMMENT ON COLUMN journey_events.interest_id IS 'class=operational; category=reporting';

-- The ledger that makes a notification go out once: a key per (event,
-- recipient), IDs only, written when the message was accepted for delivery.
CREATE TABLE notification_deliveries (
    key     text PRIMARY KEY,
    sent_at timestamptz NOT NULL
);
COMMENT ON TABLE notification_deliveries IS 'Which notification went to which recipient, by IDs only, so a retry never sends it twice.';
COMMENT ON COLUMN notification_deliveries.key IS 'class=operational; category=notification';
COMMENT ON COLUMN notification_deliveries.sent_at IS 'class=operational; category=notification';

-- Guards: what each kind of caller may change on a row it may update.
-- A candidate changes their profile, consent and status (withdrawing);
-- an organisation only marks the candidate it placed as placed; the
-- spot check's outcome is the operator's alone.
-- +goose StatementBegin
CREATE FUNCTION candidates_guard() RETURNS trigger
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
CREATE TRIGGER candidates_guard BEFORE UPDATE ON candidates FOR EACH ROW EXECUTE FUNCTION candidates_guard();

-- An interest always belongs to the same candidate and organisation, and
-- moves only as sim's state machine allows: a candidate takes a choice
-- back or makes it again; an organisation moves it forward.
-- +goose StatementBegin
CREATE FUNCTION interests_guard() RETURNS trigger
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
    IF NOT ((NEW.state = 'removed' AND OLD.state NOT IN ('placed', 'removed')
             AND (NEW.interviewed, NEW.work_placed, NEW.opened_at) IS NOT DISTINCT FROM (OLD.interviewed, OLD.work_placed, OLD.opened_at))
         OR (OLD.state = 'removed' AND NEW.state = 'interested' AND NOT NEW.interviewed AND NOT NEW.work_placed)) THEN
      RAISE EXCEPTION 'a candidate only takes a choice back or makes it again' USING ERRCODE = 'insufficient_privilege';
    END IF;
  ELSIF app_role() IN ('org_admin', 'org_user') THEN
    IF OLD.state IN ('placed', 'not_progressed', 'removed')
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
CREATE TRIGGER interests_guard BEFORE UPDATE ON interests FOR EACH ROW EXECUTE FUNCTION interests_guard();

-- Row-level security. An organisation's people see a candidate, and
-- everything about them that is the organisation's (the interest, its
-- interventions and journey events), exactly while
-- org_sees() says so.
ALTER TABLE interests ENABLE ROW LEVEL SECURITY;
ALTER TABLE interests FORCE ROW LEVEL SECURITY;
CREATE POLICY interests_read ON interests FOR SELECT USING (
    app_is_staff()
    OR candidate_id = app_candidate_id()
    OR (app_in_org(org_id) AND app_org_sees_candidate(candidate_id, state)));
CREATE POLICY interests_insert ON interests FOR INSERT WITH CHECK (
    app_is_staff()
    OR (state = 'interested' AND candidate_id = app_candidate_id()));
CREATE POLICY interests_update ON interests FOR UPDATE
    USING (app_is_staff()
        OR candidate_id = app_candidate_id()
        OR (app_in_org(org_id) AND app_org_sees_candidate(candidate_id, state)))
    WITH CHECK (app_is_staff()
        OR (candidate_id = app_candidate_id() AND state IN ('interested', 'removed'))
        OR (app_in_org(org_id) AND state NOT IN ('interested', 'removed')));
CREATE POLICY interests_engine ON interests FOR DELETE USING (app_role() = 'system');
CREATE POLICY interests_owner ON interests FOR SELECT USING (current_user <> 'muster_app');

CREATE POLICY candidates_org_read ON candidates FOR SELECT USING (
    app_role() IN ('org_admin', 'org_user') AND id IN (SELECT i.candidate_id FROM interests i WHERE i.org_id = app_org_id()));
CREATE POLICY candidates_org_place ON candidates FOR UPDATE
    USING (app_role() IN ('org_admin', 'org_user') AND id IN (SELECT i.candidate_id FROM interests i WHERE i.org_id = app_org_id()))
    WITH CHECK (app_role() IN ('org_admin', 'org_user') AND status = 'placed');
CREATE POLICY candidates_owner ON candidates FOR SELECT USING (current_user <> 'muster_app');

-- An organisation reads the sign-in address of a candidate it sees, and
-- nothing else of their account, through this function alone.
-- +goose StatementBegin
CREATE FUNCTION app_candidate_email(candidate uuid) RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT u.email FROM candidates c JOIN users u ON u.id = c.user_id
  WHERE c.id = candidate AND (app_is_staff() OR EXISTS (
    SELECT 1 FROM interests i WHERE i.candidate_id = c.id AND app_in_org(i.org_id)
      AND org_sees(c.status, c.sharing, c.verification, i.state, app_keep_placed())))
$$;
-- +goose StatementEnd
GRANT EXECUTE ON FUNCTION app_candidate_email(uuid) TO muster_app;

ALTER TABLE interventions ENABLE ROW LEVEL SECURITY;
ALTER TABLE interventions FORCE ROW LEVEL SECURITY;
CREATE POLICY interventions_read ON interventions FOR SELECT USING (interest_id IN (SELECT i.id FROM interests i));
CREATE POLICY interventions_insert ON interventions FOR INSERT WITH CHECK (
    app_is_staff() OR (app_role() IN ('org_admin', 'org_user') AND recorded_by = app_user_id()
        AND interest_id IN (SELECT i.id FROM interests i WHERE i.org_id = app_org_id())));
CREATE POLICY interventions_engine ON interventions FOR DELETE USING (app_role() = 'system');

-- Journey events: the candidate's own, all of them; an organisation's
-- people, those of its own interests in the candidates it sees.
DROP POLICY journey_events_read ON journey_events;
DROP POLICY journey_events_insert ON journey_events;
CREATE POLICY journey_events_read ON journey_events FOR SELECT USING (
    candidate_id IN (SELECT c.id FROM candidates c)
    AND (app_role() NOT IN ('org_admin', 'org_user') OR app_in_org(org_id)));
CREATE POLICY journey_events_insert ON journey_events FOR INSERT WITH CHECK (
    candidate_id IN (SELECT c.id FROM candidates c)
    AND (app_role() NOT IN ('org_admin', 'org_user') OR app_in_org(org_id)));

ALTER TABLE notification_deliveries ENABLE ROW LEVEL SECURITY;
ALTER TABLE notification_deliveries FORCE ROW LEVEL SECURITY;
CREATE POLICY notification_deliveries_engine ON notification_deliveries USING (app_role() = 'system');

GRANT SELECT, INSERT, UPDATE, DELETE ON interests TO muster_app;
GRANT SELECT, INSERT, DELETE ON interventions, notification_deliveries TO muster_app;

-- +goose Down
DROP POLICY candidates_org_read ON candidates;
DROP POLICY candidates_org_place ON candidates;
DROP POLICY candidates_owner ON candidates;
DROP POLICY journey_events_read ON journey_events;
DROP POLICY journey_events_insert ON journey_events;
CREATE POLICY journey_events_read ON journey_events FOR SELECT USING (candidate_id IN (SELECT c.id FROM candidates c));
CREATE POLICY journey_events_insert ON journey_events FOR INSERT WITH CHECK (candidate_id IN (SELECT c.id FROM candidates c));
DROP TRIGGER candidates_guard ON candidates;
DROP FUNCTION candidates_guard();
DROP TRIGGER consents_to_candidate ON consents;
DROP FUNCTION consents_to_candidate();
DROP TABLE notification_deliveries;
ALTER TABLE journey_events DROP COLUMN org_id, DROP COLUMN interest_id;
DROP TABLE interventions, interests;
DROP FUNCTION interests_guard(), app_org_sees_candidate(uuid, text), app_candidate_id(), app_candidate_email(uuid);
ALTER TABLE candidates DROP COLUMN sharing, DROP COLUMN verification;
DROP FUNCTION org_sees(text, boolean, text, text, boolean), app_keep_placed();
