-- The privacy engine's schema. The data inventory becomes code: every
-- column's comment now also says whom its row is about (subject=), what
-- anonymising that person does with the value (anonymise=), who can see
-- it (seen_by=) and which column starts the row's retention period
-- (retention=clock, or retention=cascade for a row that goes with the one
-- it names); make generate turns the comments into db.Inventory and the
-- SQL that subject access, erasure and the retention sweep run (see
-- docs/decisions.md, 2026-12-07). Added: when each candidate was last
-- active (the clock of their record), ghost records (what survives
-- anonymisation), the retention schedule as data, erasure receipts that
-- name nobody; and a candidate's own acts are audited without their
-- address.

-- +goose Up

-- A candidate's last activity: the clock of their record (three years by
-- default, then anonymised). Kept apart from candidates so that keeping it
-- never touches the row organisations and guards read. Moved by triggers,
-- so no code path can forget it: a journey event (by anyone), a message
-- the candidate writes, a successful sign-in, a change to their profile.
CREATE TABLE candidate_activity (
    candidate_id   uuid PRIMARY KEY REFERENCES candidates (id) ON DELETE CASCADE,
    last_active_at timestamptz NOT NULL
);
CREATE INDEX candidate_activity_due_idx ON candidate_activity (last_active_at, candidate_id);
COMMENT ON TABLE candidate_activity IS 'When each candidate was last active: the clock of their record''s retention.';
INSERT INTO candidate_activity (candidate_id, last_active_at)
SELECT c.id, greatest(c.updated_at, c.registered_at, c.invited_at,
    (SELECT max(e.occurred_at) FROM journey_events e WHERE e.candidate_id = c.id))
FROM candidates c;

-- +goose StatementBegin
CREATE FUNCTION candidate_active(candidate uuid, at timestamptz) RETURNS void
LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp AS $$
  INSERT INTO candidate_activity (candidate_id, last_active_at) VALUES (candidate, at)
  ON CONFLICT (candidate_id) DO UPDATE SET last_active_at = greatest(candidate_activity.last_active_at, EXCLUDED.last_active_at)
$$;
-- +goose StatementEnd
REVOKE ALL ON FUNCTION candidate_active(uuid, timestamptz) FROM PUBLIC;

-- +goose StatementBegin
CREATE FUNCTION candidate_activity_from_row() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  who uuid;
  at timestamptz := now();
BEGIN
  CASE TG_TABLE_NAME
  WHEN 'journey_events' THEN
    IF NEW.type = 'interest.lapsed' THEN RETURN NULL; END IF; -- the engine's, not the candidate's
    who := NEW.candidate_id; at := NEW.occurred_at;
  WHEN 'messages' THEN
    IF NOT NEW.from_candidate THEN RETURN NULL; END IF;
    SELECT t.candidate_id INTO who FROM threads t WHERE t.id = NEW.thread_id;
    at := NEW.sent_at;
  WHEN 'login_events' THEN
    IF NEW.outcome <> 'success' OR NEW.user_id IS NULL THEN RETURN NULL; END IF;
    SELECT c.id INTO who FROM candidates c WHERE c.user_id = NEW.user_id;
    at := NEW.occurred_at;
  WHEN 'candidates' THEN
    IF app_role() IS DISTINCT FROM 'candidate' THEN RETURN NULL; END IF;
    who := NEW.id; at := NEW.updated_at;
  END CASE;
  IF who IS NOT NULL THEN
    PERFORM candidate_active(who, at);
  END IF;
  RETURN NULL;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER candidate_activity AFTER INSERT ON journey_events
    FOR EACH ROW EXECUTE FUNCTION candidate_activity_from_row();
CREATE TRIGGER candidate_activity AFTER INSERT ON messages
    FOR EACH ROW EXECUTE FUNCTION candidate_activity_from_row();
CREATE TRIGGER candidate_activity AFTER INSERT OR UPDATE OF outcome ON login_events
    FOR EACH ROW EXECUTE FUNCTION candidate_activity_from_row();
CREATE TRIGGER candidate_activity AFTER UPDATE ON candidates
    FOR EACH ROW EXECUTE FUNCTION candidate_activity_from_row();

-- Ghost records: an anonymised candidate. A new ID that nothing else
-- names; only the coarse facts the programme's reports count.
CREATE TABLE ghosts (
    id               uuid PRIMARY KEY,
    registered_month date NOT NULL CHECK (extract(day FROM registered_month) = 1),
    age_band         text NOT NULL CHECK (age_band IN ('18-24', '25-34', '35-44', '45-54', '55-64', '65+')),
    connection       text NOT NULL,
    region           text NOT NULL,
    heard_about      text NOT NULL
);
COMMENT ON TABLE ghosts IS 'Ghost records: what survives an anonymised candidate, for the reports; nothing that names or links back to them.';
CREATE TABLE ghost_outcomes (
    ghost_id     uuid NOT NULL REFERENCES ghosts (id) ON DELETE CASCADE,
    org_id       uuid NOT NULL REFERENCES organisations (id),
    furthest     text NOT NULL CHECK (furthest IN ('interested', 'contacted', 'information_day', 'work_placement', 'interview', 'offer', 'placed')),
    placed_month date CHECK (extract(day FROM placed_month) = 1),
    PRIMARY KEY (ghost_id, org_id)
);
CREATE INDEX ghost_outcomes_org_idx ON ghost_outcomes (org_id);
COMMENT ON TABLE ghost_outcomes IS 'How far each ghost got with each organisation it chose.';
CREATE TABLE ghost_follow_ups (
    ghost_id uuid NOT NULL,
    org_id   uuid NOT NULL,
    months   integer NOT NULL CHECK (months > 0),
    answer   text NOT NULL CHECK (answer IN ('in_post', 'not_in_post', 'no_answer')),
    PRIMARY KEY (ghost_id, org_id, months),
    FOREIGN KEY (ghost_id, org_id) REFERENCES ghost_outcomes (ghost_id, org_id) ON DELETE CASCADE
);
COMMENT ON TABLE ghost_follow_ups IS 'The answers a ghost gave to its placement''s follow-up.';

-- The retention schedule (sim.RetentionSchedule): one rule per category,
-- changed by the operator within sim.RetentionBounds, each change audited.
CREATE TABLE retention_rules (
    category            text PRIMARY KEY,
    action              text NOT NULL CHECK (action IN ('delete', 'anonymise', 'with_candidate', 'keep')),
    keep_seconds        bigint NOT NULL DEFAULT 0 CHECK (keep_seconds >= 0),
    org_visible_seconds bigint NOT NULL DEFAULT 0 CHECK (org_visible_seconds >= 0),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    updated_by          uuid REFERENCES users (id) ON DELETE SET NULL
);
COMMENT ON TABLE retention_rules IS 'The retention schedule: how long each category is kept, how long organisations see a candidate, and what happens at the end.';
INSERT INTO retention_rules (category, action, keep_seconds, org_visible_seconds) VALUES
    ('account', 'keep', 0, 0),
    ('session', 'delete', 30 * 86400, 0),
    ('candidate_record', 'anonymise', 3 * 365 * 86400, 365 * 86400),
    ('invitation', 'delete', 30 * 86400, 0),
    ('consent', 'with_candidate', 0, 0),
    ('login_record', 'delete', 2 * 365 * 86400, 0),
    ('reporting', 'with_candidate', 0, 0),
    ('statistics', 'keep', 0, 0),
    ('reference', 'keep', 0, 0),
    ('request', 'delete', 30 * 86400, 0),
    ('outbox', 'delete', 86400, 0),
    ('organisation', 'keep', 0, 0),
    ('agreement', 'keep', 0, 0),
    ('audit', 'keep', 0, 0),
    ('message', 'with_candidate', 0, 0),
    ('notification', 'delete', 2 * 365 * 86400, 0);

-- The register of data requests (sim.DataRequest): a formal request for
-- a copy of a candidate's data, made by them or logged by the operator on
-- their behalf, and its deadline. The register outlives the person: once
-- they are anonymised the row names nobody.
CREATE TABLE data_requests (
    id           uuid PRIMARY KEY,
    kind         text NOT NULL CHECK (kind IN ('subject_access')),
    candidate_id uuid REFERENCES candidates (id) ON DELETE SET NULL,
    state        text NOT NULL CHECK (state IN ('open', 'extended', 'overdue', 'answered')),
    received_at  timestamptz NOT NULL,
    due_at       timestamptz NOT NULL,
    extension    text CHECK (length(extension) BETWEEN 1 AND 500),
    logged_by    uuid REFERENCES users (id) ON DELETE SET NULL,
    answered_at  timestamptz,
    CHECK ((state = 'answered') = (answered_at IS NOT NULL))
);
CREATE INDEX data_requests_register_idx ON data_requests (due_at, id) WHERE state <> 'answered';
CREATE INDEX data_requests_candidate_idx ON data_requests (candidate_id);
-- One open request of a kind per candidate: asking again while one is
-- open adds nothing (the open one is answered first).
CREATE UNIQUE INDEX data_requests_one_open_idx ON data_requests (candidate_id, kind) WHERE state <> 'answered';
COMMENT ON TABLE data_requests IS 'The register of data requests: a formal request for a candidate''s data and its deadline.';

-- A candidate's request to be erased (theirs, or the operator's on their
-- behalf): one per candidate, so asking twice starts nothing more; it goes
-- with the candidate.
CREATE TABLE erasure_requests (
    candidate_id uuid PRIMARY KEY REFERENCES candidates (id) ON DELETE CASCADE,
    requested_at timestamptz NOT NULL,
    requested_by text NOT NULL CHECK (requested_by IN ('candidate', 'operator'))
);
COMMENT ON TABLE erasure_requests IS 'Requests to erase a candidate, until the Erasure workflow has anonymised them.';

-- An erasure's receipt: its number, when, and who asked (the person or
-- the operator on their behalf). Nothing names the person.
CREATE TABLE erasure_receipts (
    receipt      text PRIMARY KEY CHECK (receipt ~ '^ER-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$'),
    erased_at    timestamptz NOT NULL,
    requested_by text NOT NULL CHECK (requested_by IN ('candidate', 'operator'))
);
COMMENT ON TABLE erasure_receipts IS 'Receipts of erasures: a number, when and who asked; nothing about the person.';

-- An audit event may name the fields an act changed (never their values):
-- a profile's rectification says which fields were corrected. The hash
-- covers it only when present (as 'detail:' and the detail, so that no
-- IP can pass for an IP and a detail), so every earlier row verifies as
-- before.
ALTER TABLE audit_events ADD COLUMN detail text CHECK (length(detail) BETWEEN 1 AND 500);
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION audit_event_hash(prev bytea, e audit_events) RETURNS bytea
LANGUAGE sql IMMUTABLE AS $$
  SELECT sha256(prev || convert_to(concat_ws('|',
    e.seq::text,
    (extract(epoch FROM e.occurred_at) * 1000000)::bigint::text,
    coalesce(e.actor_id::text, ''), e.actor_role, coalesce(e.actor_org_id::text, ''),
    e.action, e.object_type, e.object_id::text, coalesce(e.org_id::text, ''), e.ip, 'detail:' || e.detail), 'UTF8'))
$$;
-- +goose StatementEnd

-- The operator publishes new versions of the consent wording; a candidate
-- agrees to the newest when they choose to.
CREATE POLICY consent_texts_publish ON consent_texts FOR INSERT WITH CHECK (app_role() = 'operator');
GRANT INSERT ON consent_texts TO muster_app;

-- The organisations' view of a candidate lapses (sim.InterestLapsed) when
-- nothing has happened on the interest for the schedule's org_visible
-- period: the retention sweep closes it, and org_sees(), the twin of
-- sim.VisibilityPolicy.OrgSees, treats it as closed. The candidate may
-- choose the organisation again; nobody records support on it.
ALTER TABLE interests DROP CONSTRAINT interests_state_check;
ALTER TABLE interests ADD CONSTRAINT interests_state_check CHECK (state IN ('interested', 'contacted', 'engaged',
    'work_placement', 'interviewing', 'offered', 'placed', 'not_progressed', 'removed', 'lapsed'));
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION org_sees(status text, sharing boolean, verification text, interest text, keep_placed boolean)
RETURNS boolean LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT coalesce(sharing AND verification <> 'rejected' AND CASE status
    WHEN 'registered' THEN interest IS NOT NULL AND interest NOT IN ('removed', 'lapsed')
    WHEN 'placed' THEN keep_placed AND interest = 'placed'
    ELSE false END, false)
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

-- A candidate's own acts (a password changed, a message reported) are
-- audited without the address they came from: the trail outlives them.
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION audit_events_chain() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  last audit_events%ROWTYPE;
BEGIN
  IF current_setting('transaction_isolation') <> 'read committed' THEN
    RAISE EXCEPTION 'audit events are written in read committed transactions only';
  END IF;
  PERFORM pg_advisory_xact_lock(7239400311);
  SELECT * INTO last FROM audit_events ORDER BY seq DESC LIMIT 1;
  NEW.seq := coalesce(last.seq, 0) + 1;
  NEW.prev_hash := coalesce(last.hash, '\x0000000000000000000000000000000000000000000000000000000000000000'::bytea);
  NEW.actor_role := coalesce(app_role(), 'none');
  NEW.actor_id := app_user_id();
  NEW.actor_org_id := app_org_id();
  NEW.ip := CASE WHEN NEW.actor_role = 'candidate' THEN '' ELSE coalesce(NEW.ip, '') END;
  NEW.hash := audit_event_hash(NEW.prev_hash, NEW);
  RETURN NEW;
END
$$;
-- +goose StatementEnd


-- What the reports count of a live candidate, computed as a ghost record
-- keeps it: anonymisation copies these rows into ghosts, and the reports
-- count these together with the ghosts, so a total is the same before and
-- after (sim.GhostOf is the same rule in Go; a db test compares them).
-- Security invoker: whoever reads them sees only what row-level security
-- shows them.
-- +goose StatementBegin
CREATE FUNCTION age_band(dob date, at date) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE
    WHEN extract(year FROM age(at, dob)) < 25 THEN '18-24'
    WHEN extract(year FROM age(at, dob)) < 35 THEN '25-34'
    WHEN extract(year FROM age(at, dob)) < 45 THEN '35-44'
    WHEN extract(year FROM age(at, dob)) < 55 THEN '45-54'
    WHEN extract(year FROM age(at, dob)) < 65 THEN '55-64'
    ELSE '65+' END
$$;
-- +goose StatementEnd
GRANT EXECUTE ON FUNCTION age_band(date, date) TO muster_app;
CREATE VIEW reporting_people WITH (security_invoker = true) AS
SELECT c.id AS candidate_id,
       date_trunc('month', c.registered_at AT TIME ZONE 'UTC')::date AS registered_month,
       age_band(c.date_of_birth, (c.registered_at AT TIME ZONE 'UTC')::date) AS age_band,
       c.connection, c.region, c.heard_about
FROM candidates c
WHERE c.registered_at IS NOT NULL;
CREATE VIEW reporting_outcomes WITH (security_invoker = true) AS
SELECT i.candidate_id, i.org_id,
       (ARRAY['interested', 'contacted', 'information_day', 'work_placement', 'interview', 'offer', 'placed'])[
           max(CASE v.kind WHEN 'contacted' THEN 2 WHEN 'information_day' THEN 3 WHEN 'work_placement' THEN 4
               WHEN 'interview' THEN 5 WHEN 'offer' THEN 6 WHEN 'placed' THEN 7 ELSE 1 END)] AS furthest,
       max(date_trunc('month', v.occurred_on)::date) FILTER (WHERE v.kind = 'placed') AS placed_month
FROM interests i
LEFT JOIN interventions v ON v.interest_id = i.id
GROUP BY i.candidate_id, i.org_id;
CREATE VIEW reporting_follow_ups WITH (security_invoker = true) AS
SELECT DISTINCT ON (i.candidate_id, i.org_id, f.months) i.candidate_id, i.org_id, f.months, f.answer
FROM follow_ups f
JOIN interests i ON i.id = f.interest_id
WHERE f.answer IS NOT NULL
ORDER BY i.candidate_id, i.org_id, f.months, f.answered_at DESC;
GRANT SELECT ON reporting_people, reporting_outcomes, reporting_follow_ups TO muster_app;

-- "Who accessed my record": a candidate reads the audit rows about their
-- record and what hangs off it (their interests, spot check, the messages
-- of their threads and reports of them) and about their own acts, through
-- one query that shows the organisation and the action, never who or from
-- where.
-- +goose StatementBegin
CREATE FUNCTION candidate_objects(candidate uuid) RETURNS SETOF uuid
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT candidate
  UNION ALL SELECT i.id FROM interests i WHERE i.candidate_id = candidate
  UNION ALL SELECT k.id FROM spot_checks k WHERE k.candidate_id = candidate
  UNION ALL SELECT m.id FROM messages m JOIN threads t ON t.id = m.thread_id WHERE t.candidate_id = candidate
  UNION ALL SELECT r.id FROM message_reports r JOIN messages m ON m.id = r.message_id JOIN threads t ON t.id = m.thread_id
            WHERE t.candidate_id = candidate
$$;
-- +goose StatementEnd
GRANT EXECUTE ON FUNCTION candidate_objects(uuid) TO muster_app;
-- An organisation's name, whoever asks: a candidate's access log names the
-- organisation that looked, though they may not read organisations.
-- +goose StatementBegin
CREATE FUNCTION org_name(org uuid) RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT o.name FROM organisations o WHERE o.id = org
$$;
-- +goose StatementEnd
GRANT EXECUTE ON FUNCTION org_name(uuid) TO muster_app;
CREATE POLICY audit_events_subject ON audit_events FOR SELECT USING (
    actor_id = app_user_id() OR object_id IN (SELECT candidate_objects(app_candidate_id())));

-- Subject access: a person reads every row about them, as themselves.
CREATE POLICY password_resets_subject ON password_resets FOR SELECT USING (user_id = app_user_id());
CREATE POLICY invitations_subject ON invitations FOR SELECT USING (candidate_id = app_candidate_id());
CREATE POLICY spot_checks_subject ON spot_checks FOR SELECT USING (candidate_id = app_candidate_id());
-- +goose StatementBegin
CREATE FUNCTION app_candidate_invitations() RETURNS SETOF uuid
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT i.id FROM invitations i WHERE i.candidate_id = app_candidate_id()
$$;
-- +goose StatementEnd
GRANT EXECUTE ON FUNCTION app_candidate_invitations() TO muster_app;
CREATE POLICY invitation_tokens_subject ON invitation_tokens FOR SELECT USING (
    invitation_id IN (SELECT app_candidate_invitations()));

-- Subject access shows a candidate everything about them, as themselves:
-- with the transaction's purpose set to subject access (db.SubjectAccess
-- sets it, and only there), the messages of their threads that the
-- operator hid, and the reports that organisations made of them, which
-- their thread never shows.
-- +goose StatementBegin
CREATE FUNCTION app_purpose() RETURNS text
LANGUAGE sql STABLE AS $$ SELECT nullif(current_setting('app.purpose', true), '') $$;
-- +goose StatementEnd
GRANT EXECUTE ON FUNCTION app_purpose() TO muster_app;
CREATE POLICY messages_subject ON messages FOR SELECT USING (
    app_purpose() = 'subject_access' AND app_role() = 'candidate'
    AND thread_id IN (SELECT t.id FROM threads t WHERE t.candidate_id = app_candidate_id()));
CREATE POLICY message_reports_subject ON message_reports FOR SELECT USING (
    app_purpose() = 'subject_access' AND app_role() = 'candidate'
    AND message_id IN (SELECT m.id FROM messages m JOIN threads t ON t.id = m.thread_id WHERE t.candidate_id = app_candidate_id()));

ALTER TABLE candidate_activity ENABLE ROW LEVEL SECURITY;
ALTER TABLE candidate_activity FORCE ROW LEVEL SECURITY;
CREATE POLICY candidate_activity_read ON candidate_activity FOR SELECT USING (
    app_is_staff() OR candidate_id = app_candidate_id());
CREATE POLICY candidate_activity_engine ON candidate_activity USING (app_role() = 'system');
ALTER TABLE ghosts ENABLE ROW LEVEL SECURITY;
ALTER TABLE ghosts FORCE ROW LEVEL SECURITY;
ALTER TABLE ghost_outcomes ENABLE ROW LEVEL SECURITY;
ALTER TABLE ghost_outcomes FORCE ROW LEVEL SECURITY;
ALTER TABLE ghost_follow_ups ENABLE ROW LEVEL SECURITY;
ALTER TABLE ghost_follow_ups FORCE ROW LEVEL SECURITY;
CREATE POLICY ghosts_read ON ghosts FOR SELECT USING (app_is_staff());
CREATE POLICY ghosts_engine ON ghosts FOR INSERT WITH CHECK (app_role() = 'system');
CREATE POLICY ghost_outcomes_read ON ghost_outcomes FOR SELECT USING (app_is_staff() OR app_in_org(org_id));
CREATE POLICY ghost_outcomes_engine ON ghost_outcomes FOR INSERT WITH CHECK (app_role() = 'system');
CREATE POLICY ghost_follow_ups_read ON ghost_follow_ups FOR SELECT USING (app_is_staff() OR app_in_org(org_id));
CREATE POLICY ghost_follow_ups_engine ON ghost_follow_ups FOR INSERT WITH CHECK (app_role() = 'system');
ALTER TABLE retention_rules ENABLE ROW LEVEL SECURITY;
ALTER TABLE retention_rules FORCE ROW LEVEL SECURITY;
CREATE POLICY retention_rules_read ON retention_rules FOR SELECT USING (app_is_staff());
CREATE POLICY retention_rules_change ON retention_rules FOR UPDATE USING (app_role() = 'operator') WITH CHECK (app_role() = 'operator');
ALTER TABLE data_requests ENABLE ROW LEVEL SECURITY;
ALTER TABLE data_requests FORCE ROW LEVEL SECURITY;
CREATE POLICY data_requests_read ON data_requests FOR SELECT USING (app_is_staff() OR candidate_id = app_candidate_id());
CREATE POLICY data_requests_make ON data_requests FOR INSERT WITH CHECK (
    app_role() = 'operator' OR (candidate_id = app_candidate_id() AND logged_by IS NULL));
CREATE POLICY data_requests_work ON data_requests FOR UPDATE USING (app_is_staff()) WITH CHECK (app_is_staff());
GRANT SELECT, INSERT, UPDATE ON data_requests TO muster_app;
ALTER TABLE erasure_requests ENABLE ROW LEVEL SECURITY;
ALTER TABLE erasure_requests FORCE ROW LEVEL SECURITY;
CREATE POLICY erasure_requests_read ON erasure_requests FOR SELECT USING (app_is_staff() OR candidate_id = app_candidate_id());
CREATE POLICY erasure_requests_ask ON erasure_requests FOR INSERT WITH CHECK (
    app_role() = 'operator' OR (requested_by = 'candidate' AND candidate_id = app_candidate_id()));
CREATE POLICY erasure_requests_engine ON erasure_requests USING (app_role() = 'system');
GRANT SELECT, INSERT, DELETE ON erasure_requests TO muster_app;
ALTER TABLE erasure_receipts ENABLE ROW LEVEL SECURITY;
ALTER TABLE erasure_receipts FORCE ROW LEVEL SECURITY;
CREATE POLICY erasure_receipts_read ON erasure_receipts FOR SELECT USING (app_is_staff());
CREATE POLICY erasure_receipts_engine ON erasure_receipts FOR INSERT WITH CHECK (app_role() = 'system');
GRANT SELECT, INSERT, UPDATE, DELETE ON candidate_activity TO muster_app;
GRANT SELECT, INSERT ON ghosts, ghost_outcomes, ghost_follow_ups, erasure_receipts TO muster_app;
GRANT SELECT, UPDATE ON retention_rules TO muster_app;

-- Deleting an account or a candidate (anonymisation, erasure, the sweep)
-- sets null or deletes what names them in other tables: each such foreign
-- key has an index, so that costs a probe, not a scan of the table.
CREATE INDEX account_invitations_invited_by_idx ON account_invitations (invited_by) WHERE invited_by IS NOT NULL;
CREATE INDEX account_invitations_user_id_idx ON account_invitations (user_id) WHERE user_id IS NOT NULL;
CREATE INDEX data_requests_logged_by_idx ON data_requests (logged_by) WHERE logged_by IS NOT NULL;
CREATE INDEX interventions_recorded_by_idx ON interventions (recorded_by) WHERE recorded_by IS NOT NULL;
CREATE INDEX invitations_invited_by_idx ON invitations (invited_by) WHERE invited_by IS NOT NULL;
CREATE INDEX journey_events_interest_id_idx ON journey_events (interest_id) WHERE interest_id IS NOT NULL;
CREATE INDEX message_reports_decided_by_idx ON message_reports (decided_by) WHERE decided_by IS NOT NULL;
CREATE INDEX message_reports_reported_by_idx ON message_reports (reported_by) WHERE reported_by IS NOT NULL;
CREATE INDEX messages_author_id_idx ON messages (author_id) WHERE author_id IS NOT NULL;
CREATE INDEX messages_hidden_by_idx ON messages (hidden_by) WHERE hidden_by IS NOT NULL;
CREATE INDEX org_agreements_recorded_by_idx ON org_agreements (recorded_by) WHERE recorded_by IS NOT NULL;
CREATE INDEX registration_requests_invitation_id_idx ON registration_requests (invitation_id) WHERE invitation_id IS NOT NULL;
CREATE INDEX retention_rules_updated_by_idx ON retention_rules (updated_by) WHERE updated_by IS NOT NULL;
CREATE INDEX spot_checks_decided_by_idx ON spot_checks (decided_by) WHERE decided_by IS NOT NULL;
CREATE INDEX thread_reads_user_id_idx ON thread_reads (user_id) WHERE user_id IS NOT NULL;

-- The privacy engine (the engine's own work, as system) deletes what
-- anonymisation and the retention sweep remove.
CREATE POLICY users_privacy_engine ON users FOR DELETE USING (app_role() = 'system');
CREATE POLICY sessions_privacy_engine ON sessions FOR DELETE USING (app_role() = 'system');
CREATE POLICY candidates_privacy_engine ON candidates FOR DELETE USING (app_role() = 'system');
CREATE POLICY invitations_privacy_engine ON invitations FOR DELETE USING (app_role() = 'system');
CREATE POLICY invitation_tokens_privacy_engine ON invitation_tokens FOR DELETE USING (app_role() = 'system');
CREATE POLICY consents_privacy_engine ON consents FOR DELETE USING (app_role() = 'system');
CREATE POLICY login_events_privacy_engine ON login_events FOR DELETE USING (app_role() = 'system');
CREATE POLICY journey_events_privacy_engine ON journey_events FOR DELETE USING (app_role() = 'system');
CREATE POLICY conduct_acceptances_privacy_engine ON conduct_acceptances FOR DELETE USING (app_role() = 'system');
CREATE POLICY mfa_recovery_codes_privacy_engine ON mfa_recovery_codes FOR DELETE USING (app_role() = 'system');
CREATE POLICY password_resets_privacy_engine ON password_resets FOR DELETE USING (app_role() = 'system');
CREATE POLICY interests_privacy_engine ON interests FOR DELETE USING (app_role() = 'system');
CREATE POLICY interventions_privacy_engine ON interventions FOR DELETE USING (app_role() = 'system');
CREATE POLICY threads_privacy_engine ON threads FOR DELETE USING (app_role() = 'system');
CREATE POLICY messages_privacy_engine ON messages FOR DELETE USING (app_role() = 'system');
CREATE POLICY thread_reads_privacy_engine ON thread_reads FOR DELETE USING (app_role() = 'system');
CREATE POLICY message_reports_privacy_engine ON message_reports FOR DELETE USING (app_role() = 'system');
CREATE POLICY follow_ups_privacy_engine ON follow_ups FOR DELETE USING (app_role() = 'system');
CREATE POLICY spot_checks_privacy_engine ON spot_checks FOR DELETE USING (app_role() = 'system');
CREATE POLICY registration_requests_privacy_engine ON registration_requests FOR DELETE USING (app_role() = 'system');
CREATE POLICY reset_requests_privacy_engine ON reset_requests FOR DELETE USING (app_role() = 'system');
CREATE POLICY workflow_outbox_privacy_engine ON workflow_outbox FOR DELETE USING (app_role() = 'system');
CREATE POLICY notification_deliveries_privacy_engine ON notification_deliveries FOR DELETE USING (app_role() = 'system');
CREATE POLICY account_invitations_privacy_engine ON account_invitations FOR DELETE USING (app_role() = 'system');
CREATE POLICY account_invitation_tokens_privacy_engine ON account_invitation_tokens FOR DELETE USING (app_role() = 'system');
CREATE POLICY mailbox_verifications_privacy_engine ON mailbox_verifications FOR DELETE USING (app_role() = 'system');
GRANT DELETE ON users, sessions, candidates, invitations, invitation_tokens, consents, login_events, journey_events, conduct_acceptances, mfa_recovery_codes, password_resets, interests, interventions, threads, messages, thread_reads, message_reports, follow_ups, spot_checks, registration_requests, reset_requests, workflow_outbox, notification_deliveries, account_invitations, account_invitation_tokens, mailbox_verifications TO muster_app;

-- The inventory.
COMMENT ON COLUMN account_invitation_tokens.token_hash IS 'class=credential; category=invitation; seen_by=engine';
COMMENT ON COLUMN account_invitation_tokens.invitation_id IS 'class=operational; category=invitation; seen_by=engine; retention=cascade';
COMMENT ON COLUMN account_invitation_tokens.purpose IS 'class=operational; category=invitation; seen_by=engine';
COMMENT ON COLUMN account_invitation_tokens.created_at IS 'class=operational; category=invitation; seen_by=engine';
COMMENT ON COLUMN account_invitation_tokens.sent_at IS 'class=operational; category=invitation; seen_by=engine';
COMMENT ON COLUMN account_invitations.id IS 'class=operational; category=invitation; subject=external:invitee; seen_by=org,operator';
COMMENT ON COLUMN account_invitations.org_id IS 'class=operational; category=invitation; subject=external:invitee; seen_by=org,operator';
COMMENT ON COLUMN account_invitations.kind IS 'class=operational; category=invitation; subject=external:invitee; seen_by=org,operator';
COMMENT ON COLUMN account_invitations.role IS 'class=operational; category=invitation; subject=external:invitee; seen_by=org,operator';
COMMENT ON COLUMN account_invitations.name IS 'class=identifying; category=invitation; subject=external:invitee; seen_by=org,operator';
COMMENT ON COLUMN account_invitations.email IS 'class=contact; category=invitation; subject=external:invitee; seen_by=org,operator';
COMMENT ON COLUMN account_invitations.invited_by IS 'class=operational; category=invitation; subject=external:invitee; seen_by=org,operator';
COMMENT ON COLUMN account_invitations.created_at IS 'class=operational; category=invitation; subject=external:invitee; seen_by=org,operator';
COMMENT ON COLUMN account_invitations.expires_at IS 'class=operational; category=invitation; subject=external:invitee; seen_by=org,operator; retention=clock';
COMMENT ON COLUMN account_invitations.used_at IS 'class=operational; category=invitation; subject=external:invitee; seen_by=org,operator';
COMMENT ON COLUMN account_invitations.expired_at IS 'class=operational; category=invitation; subject=external:invitee; seen_by=org,operator';
COMMENT ON COLUMN account_invitations.user_id IS 'class=operational; category=invitation; subject=external:invitee; seen_by=org,operator';
COMMENT ON COLUMN account_invitations.consumed_txid IS 'class=operational; category=invitation; subject=external:invitee; seen_by=engine';
COMMENT ON COLUMN agreement_versions.version IS 'class=operational; category=reference; seen_by=org,operator';
COMMENT ON COLUMN agreement_versions.added_at IS 'class=operational; category=reference; seen_by=org,operator';
COMMENT ON COLUMN agreement_versions.retired_at IS 'class=operational; category=reference; seen_by=org,operator';
COMMENT ON COLUMN audit_events.seq IS 'class=operational; category=audit; subject=user:actor_id; anonymise=keep; seen_by=operator';
COMMENT ON COLUMN audit_events.occurred_at IS 'class=operational; category=audit; subject=user:actor_id; anonymise=keep; seen_by=operator';
COMMENT ON COLUMN audit_events.actor_id IS 'class=operational; category=audit; subject=user:actor_id; anonymise=keep; seen_by=operator';
COMMENT ON COLUMN audit_events.actor_role IS 'class=operational; category=audit; subject=user:actor_id; anonymise=keep; seen_by=operator';
COMMENT ON COLUMN audit_events.actor_org_id IS 'class=operational; category=audit; subject=user:actor_id; anonymise=keep; seen_by=operator';
COMMENT ON COLUMN audit_events.action IS 'class=operational; category=audit; subject=user:actor_id; anonymise=keep; seen_by=operator';
COMMENT ON COLUMN audit_events.object_type IS 'class=operational; category=audit; subject=user:actor_id; anonymise=keep; seen_by=operator';
COMMENT ON COLUMN audit_events.object_id IS 'class=operational; category=audit; subject=user:actor_id; anonymise=keep; seen_by=operator';
COMMENT ON COLUMN audit_events.org_id IS 'class=operational; category=audit; subject=user:actor_id; anonymise=keep; seen_by=operator';
COMMENT ON COLUMN audit_events.ip IS 'class=identifying; category=audit; subject=user:actor_id; anonymise=keep; seen_by=operator';
COMMENT ON COLUMN audit_events.prev_hash IS 'class=operational; category=audit; subject=user:actor_id; anonymise=keep; seen_by=operator';
COMMENT ON COLUMN audit_events.hash IS 'class=operational; category=audit; subject=user:actor_id; anonymise=keep; seen_by=operator';
COMMENT ON COLUMN candidates.id IS 'class=operational; category=candidate_record; subject=candidate; anonymise=delete; seen_by=candidate,org,operator';
COMMENT ON COLUMN candidates.user_id IS 'class=operational; category=candidate_record; subject=candidate; anonymise=delete; seen_by=engine';
COMMENT ON COLUMN candidates.status IS 'class=anonymous; category=reporting; subject=candidate; anonymise=delete; seen_by=candidate,operator';
COMMENT ON COLUMN candidates.first_name IS 'class=identifying; category=candidate_record; subject=candidate; anonymise=delete; seen_by=candidate,org,operator';
COMMENT ON COLUMN candidates.last_name IS 'class=identifying; category=candidate_record; subject=candidate; anonymise=delete; seen_by=candidate,org,operator';
COMMENT ON COLUMN candidates.phone IS 'class=contact; category=candidate_record; subject=candidate; anonymise=delete; seen_by=candidate,org,operator';
COMMENT ON COLUMN candidates.date_of_birth IS 'class=identifying; category=candidate_record; subject=candidate; anonymise=ghost:band; seen_by=candidate,org,operator';
COMMENT ON COLUMN candidates.connection IS 'class=special; category=reporting; subject=candidate; anonymise=ghost; seen_by=candidate,org,operator';
COMMENT ON COLUMN candidates.skills IS 'class=free-text; category=candidate_record; subject=candidate; anonymise=delete; seen_by=candidate,org,operator';
COMMENT ON COLUMN candidates.job_preferences IS 'class=free-text; category=candidate_record; subject=candidate; anonymise=delete; seen_by=candidate,org,operator';
COMMENT ON COLUMN candidates.region IS 'class=anonymous; category=reporting; subject=candidate; anonymise=ghost; seen_by=candidate,org,operator';
COMMENT ON COLUMN candidates.heard_about IS 'class=anonymous; category=reporting; subject=candidate; anonymise=ghost; seen_by=candidate,org,operator';
COMMENT ON COLUMN candidates.invited_at IS 'class=operational; category=reporting; subject=candidate; anonymise=delete; seen_by=operator';
COMMENT ON COLUMN candidates.registered_at IS 'class=operational; category=reporting; subject=candidate; anonymise=ghost:month; seen_by=candidate,org,operator';
COMMENT ON COLUMN candidates.updated_at IS 'class=operational; category=candidate_record; subject=candidate; anonymise=delete; seen_by=candidate,operator';
COMMENT ON COLUMN candidates.sharing IS 'class=operational; category=consent; subject=candidate; anonymise=delete; seen_by=candidate,operator';
COMMENT ON COLUMN candidates.verification IS 'class=operational; category=candidate_record; subject=candidate; anonymise=delete; seen_by=operator';
COMMENT ON COLUMN conduct_acceptances.user_id IS 'class=operational; category=account; subject=user:user_id; anonymise=delete; seen_by=user,operator';
COMMENT ON COLUMN conduct_acceptances.version IS 'class=operational; category=account; subject=user:user_id; anonymise=delete; seen_by=user,operator';
COMMENT ON COLUMN conduct_acceptances.accepted_at IS 'class=operational; category=account; subject=user:user_id; anonymise=delete; seen_by=user,operator';
COMMENT ON COLUMN conduct_texts.version IS 'class=operational; category=reference; seen_by=org,operator';
COMMENT ON COLUMN conduct_texts.body IS 'class=operational; category=reference; seen_by=org,operator';
COMMENT ON COLUMN conduct_texts.published_at IS 'class=operational; category=reference; seen_by=org,operator';
COMMENT ON COLUMN consent_texts.version IS 'class=operational; category=reference; seen_by=candidate,operator';
COMMENT ON COLUMN consent_texts.purpose IS 'class=operational; category=reference; seen_by=candidate,operator';
COMMENT ON COLUMN consent_texts.body IS 'class=operational; category=reference; seen_by=candidate,operator';
COMMENT ON COLUMN consent_texts.published_at IS 'class=operational; category=reference; seen_by=candidate,operator';
COMMENT ON COLUMN consents.id IS 'class=operational; category=consent; subject=candidate:candidate_id; anonymise=delete; seen_by=candidate,operator';
COMMENT ON COLUMN consents.candidate_id IS 'class=operational; category=consent; subject=candidate:candidate_id; anonymise=delete; seen_by=candidate,operator';
COMMENT ON COLUMN consents.text_version IS 'class=operational; category=consent; subject=candidate:candidate_id; anonymise=delete; seen_by=candidate,operator';
COMMENT ON COLUMN consents.given IS 'class=operational; category=consent; subject=candidate:candidate_id; anonymise=delete; seen_by=candidate,operator';
COMMENT ON COLUMN consents.method IS 'class=operational; category=consent; subject=candidate:candidate_id; anonymise=delete; seen_by=candidate,operator';
COMMENT ON COLUMN consents.recorded_at IS 'class=operational; category=consent; subject=candidate:candidate_id; anonymise=delete; seen_by=candidate,operator';
COMMENT ON COLUMN expired_invitation_counts.month IS 'class=anonymous; category=statistics; seen_by=operator';
COMMENT ON COLUMN expired_invitation_counts.kind IS 'class=anonymous; category=statistics; seen_by=operator';
COMMENT ON COLUMN expired_invitation_counts.expired IS 'class=anonymous; category=statistics; seen_by=operator';
COMMENT ON COLUMN follow_ups.id IS 'class=operational; category=reporting; subject=candidate:interest_id>interests.candidate_id; anonymise=delete; seen_by=candidate,org,operator';
COMMENT ON COLUMN follow_ups.interest_id IS 'class=operational; category=reporting; subject=candidate:interest_id>interests.candidate_id; anonymise=delete; seen_by=candidate,org,operator';
COMMENT ON COLUMN follow_ups.months IS 'class=anonymous; category=reporting; subject=candidate:interest_id>interests.candidate_id; anonymise=ghost; seen_by=candidate,org,operator';
COMMENT ON COLUMN follow_ups.due_on IS 'class=operational; category=reporting; subject=candidate:interest_id>interests.candidate_id; anonymise=delete; seen_by=candidate,org,operator';
COMMENT ON COLUMN follow_ups.asked_at IS 'class=operational; category=reporting; subject=candidate:interest_id>interests.candidate_id; anonymise=delete; seen_by=candidate,org,operator';
COMMENT ON COLUMN follow_ups.reminded_at IS 'class=operational; category=reporting; subject=candidate:interest_id>interests.candidate_id; anonymise=delete; seen_by=candidate,org,operator';
COMMENT ON COLUMN follow_ups.answer IS 'class=anonymous; category=reporting; subject=candidate:interest_id>interests.candidate_id; anonymise=ghost; seen_by=candidate,org,operator';
COMMENT ON COLUMN follow_ups.answered_at IS 'class=operational; category=reporting; subject=candidate:interest_id>interests.candidate_id; anonymise=delete; seen_by=candidate,org,operator';
COMMENT ON COLUMN interests.id IS 'class=operational; category=reporting; subject=candidate:candidate_id; anonymise=delete; seen_by=candidate,org,operator';
COMMENT ON COLUMN interests.candidate_id IS 'class=operational; category=reporting; subject=candidate:candidate_id; anonymise=delete; seen_by=candidate,org,operator';
COMMENT ON COLUMN interests.org_id IS 'class=operational; category=reporting; subject=candidate:candidate_id; anonymise=ghost; seen_by=candidate,org,operator';
COMMENT ON COLUMN interests.state IS 'class=anonymous; category=reporting; subject=candidate:candidate_id; anonymise=delete; seen_by=candidate,org,operator';
COMMENT ON COLUMN interests.interviewed IS 'class=anonymous; category=reporting; subject=candidate:candidate_id; anonymise=delete; seen_by=candidate,org,operator';
COMMENT ON COLUMN interests.work_placed IS 'class=anonymous; category=reporting; subject=candidate:candidate_id; anonymise=delete; seen_by=candidate,org,operator';
COMMENT ON COLUMN interests.opened_at IS 'class=operational; category=reporting; subject=candidate:candidate_id; anonymise=delete; seen_by=candidate,org,operator';
COMMENT ON COLUMN interests.updated_at IS 'class=operational; category=reporting; subject=candidate:candidate_id; anonymise=delete; seen_by=candidate,org,operator';
COMMENT ON COLUMN interventions.id IS 'class=operational; category=reporting; subject=candidate:interest_id>interests.candidate_id; anonymise=delete; seen_by=candidate,org,operator';
COMMENT ON COLUMN interventions.interest_id IS 'class=operational; category=reporting; subject=candidate:interest_id>interests.candidate_id; anonymise=delete; seen_by=candidate,org,operator';
COMMENT ON COLUMN interventions.kind IS 'class=anonymous; category=reporting; subject=candidate:interest_id>interests.candidate_id; anonymise=ghost; seen_by=candidate,org,operator';
COMMENT ON COLUMN interventions.occurred_on IS 'class=operational; category=reporting; subject=candidate:interest_id>interests.candidate_id; anonymise=ghost:month; seen_by=candidate,org,operator';
COMMENT ON COLUMN interventions.ends_on IS 'class=operational; category=reporting; subject=candidate:interest_id>interests.candidate_id; anonymise=delete; seen_by=candidate,org,operator';
COMMENT ON COLUMN interventions.attended IS 'class=anonymous; category=reporting; subject=candidate:interest_id>interests.candidate_id; anonymise=delete; seen_by=candidate,org,operator';
COMMENT ON COLUMN interventions.direct IS 'class=anonymous; category=reporting; subject=candidate:interest_id>interests.candidate_id; anonymise=delete; seen_by=candidate,org,operator';
COMMENT ON COLUMN interventions.reason IS 'class=anonymous; category=reporting; subject=candidate:interest_id>interests.candidate_id; anonymise=delete; seen_by=candidate,org,operator';
COMMENT ON COLUMN interventions.recorded_by IS 'class=operational; category=reporting; subject=candidate:interest_id>interests.candidate_id; anonymise=delete; seen_by=org,operator';
COMMENT ON COLUMN interventions.recorded_at IS 'class=operational; category=reporting; subject=candidate:interest_id>interests.candidate_id; anonymise=delete; seen_by=candidate,org,operator';
COMMENT ON COLUMN invitation_tokens.token_hash IS 'class=credential; category=invitation; subject=candidate:invitation_id>invitations.candidate_id; anonymise=delete; seen_by=engine';
COMMENT ON COLUMN invitation_tokens.invitation_id IS 'class=operational; category=invitation; subject=candidate:invitation_id>invitations.candidate_id; anonymise=delete; seen_by=engine; retention=cascade';
COMMENT ON COLUMN invitation_tokens.generation IS 'class=operational; category=invitation; subject=candidate:invitation_id>invitations.candidate_id; anonymise=delete; seen_by=engine';
COMMENT ON COLUMN invitation_tokens.created_at IS 'class=operational; category=invitation; subject=candidate:invitation_id>invitations.candidate_id; anonymise=delete; seen_by=engine';
COMMENT ON COLUMN invitation_tokens.sent_at IS 'class=operational; category=invitation; subject=candidate:invitation_id>invitations.candidate_id; anonymise=delete; seen_by=engine';
COMMENT ON COLUMN invitations.id IS 'class=operational; category=invitation; subject=candidate:candidate_id; anonymise=delete; seen_by=operator';
COMMENT ON COLUMN invitations.candidate_id IS 'class=operational; category=invitation; subject=candidate:candidate_id; anonymise=delete; seen_by=operator';
COMMENT ON COLUMN invitations.kind IS 'class=operational; category=invitation; subject=candidate:candidate_id; anonymise=delete; seen_by=operator';
COMMENT ON COLUMN invitations.email IS 'class=contact; category=invitation; subject=candidate:candidate_id; anonymise=delete; seen_by=operator';
COMMENT ON COLUMN invitations.invited_by IS 'class=operational; category=invitation; subject=candidate:candidate_id; anonymise=delete; seen_by=operator';
COMMENT ON COLUMN invitations.created_at IS 'class=operational; category=invitation; subject=candidate:candidate_id; anonymise=delete; seen_by=operator';
COMMENT ON COLUMN invitations.expires_at IS 'class=operational; category=invitation; subject=candidate:candidate_id; anonymise=delete; seen_by=operator; retention=clock';
COMMENT ON COLUMN invitations.used_at IS 'class=operational; category=invitation; subject=candidate:candidate_id; anonymise=delete; seen_by=operator';
COMMENT ON COLUMN invitations.consumed_txid IS 'class=operational; category=invitation; subject=candidate:candidate_id; anonymise=delete; seen_by=engine';
COMMENT ON COLUMN journey_events.id IS 'class=operational; category=reporting; subject=candidate:candidate_id; anonymise=delete; seen_by=operator';
COMMENT ON COLUMN journey_events.candidate_id IS 'class=operational; category=reporting; subject=candidate:candidate_id; anonymise=delete; seen_by=operator';
COMMENT ON COLUMN journey_events.type IS 'class=anonymous; category=reporting; subject=candidate:candidate_id; anonymise=delete; seen_by=operator';
COMMENT ON COLUMN journey_events.from_status IS 'class=anonymous; category=reporting; subject=candidate:candidate_id; anonymise=delete; seen_by=operator';
COMMENT ON COLUMN journey_events.to_status IS 'class=anonymous; category=reporting; subject=candidate:candidate_id; anonymise=delete; seen_by=operator';
COMMENT ON COLUMN journey_events.actor_id IS 'class=operational; category=reporting; subject=candidate:candidate_id; anonymise=delete; seen_by=operator';
COMMENT ON COLUMN journey_events.occurred_at IS 'class=operational; category=reporting; subject=candidate:candidate_id; anonymise=delete; seen_by=operator';
COMMENT ON COLUMN journey_events.org_id IS 'class=operational; category=reporting; subject=candidate:candidate_id; anonymise=delete; seen_by=operator';
COMMENT ON COLUMN journey_events.interest_id IS 'class=operational; category=reporting; subject=candidate:candidate_id; anonymise=delete; seen_by=operator';
COMMENT ON COLUMN login_events.id IS 'class=operational; category=login_record; subject=user:user_id; anonymise=delete; seen_by=user,operator';
COMMENT ON COLUMN login_events.user_id IS 'class=operational; category=login_record; subject=user:user_id; anonymise=delete; seen_by=user,operator';
COMMENT ON COLUMN login_events.outcome IS 'class=operational; category=login_record; subject=user:user_id; anonymise=delete; seen_by=user,operator';
COMMENT ON COLUMN login_events.ip IS 'class=identifying; category=login_record; subject=user:user_id; anonymise=delete; seen_by=user,operator';
COMMENT ON COLUMN login_events.user_agent IS 'class=operational; category=login_record; subject=user:user_id; anonymise=delete; seen_by=user,operator';
COMMENT ON COLUMN login_events.occurred_at IS 'class=operational; category=login_record; subject=user:user_id; anonymise=delete; seen_by=user,operator; retention=clock';
COMMENT ON COLUMN login_events.subject IS 'class=identifying; category=login_record; subject=user:user_id; anonymise=delete; seen_by=engine';
COMMENT ON COLUMN mailbox_verifications.id IS 'class=operational; category=invitation; subject=external:organisation; seen_by=org,operator';
COMMENT ON COLUMN mailbox_verifications.org_id IS 'class=operational; category=invitation; subject=external:organisation; seen_by=org,operator';
COMMENT ON COLUMN mailbox_verifications.email IS 'class=contact; category=invitation; subject=external:organisation; seen_by=org,operator';
COMMENT ON COLUMN mailbox_verifications.token_hash IS 'class=credential; category=invitation; subject=external:organisation; seen_by=engine';
COMMENT ON COLUMN mailbox_verifications.created_at IS 'class=operational; category=invitation; subject=external:organisation; seen_by=org,operator';
COMMENT ON COLUMN mailbox_verifications.expires_at IS 'class=operational; category=invitation; subject=external:organisation; seen_by=org,operator; retention=clock';
COMMENT ON COLUMN mailbox_verifications.sent_at IS 'class=operational; category=invitation; subject=external:organisation; seen_by=org,operator';
COMMENT ON COLUMN mailbox_verifications.used_at IS 'class=operational; category=invitation; subject=external:organisation; seen_by=org,operator';
COMMENT ON COLUMN mailbox_verifications.consumed_txid IS 'class=operational; category=invitation; subject=external:organisation; seen_by=engine';
COMMENT ON COLUMN message_reports.id IS 'class=operational; category=message; subject=candidate:message_id>messages.thread_id>threads.candidate_id; anonymise=delete; seen_by=operator';
COMMENT ON COLUMN message_reports.message_id IS 'class=operational; category=message; subject=candidate:message_id>messages.thread_id>threads.candidate_id; anonymise=delete; seen_by=operator';
COMMENT ON COLUMN message_reports.reported_by IS 'class=operational; category=message; subject=candidate:message_id>messages.thread_id>threads.candidate_id; anonymise=delete; seen_by=operator';
COMMENT ON COLUMN message_reports.reason IS 'class=operational; category=message; subject=candidate:message_id>messages.thread_id>threads.candidate_id; anonymise=delete; seen_by=operator';
COMMENT ON COLUMN message_reports.note IS 'class=free-text; category=message; subject=candidate:message_id>messages.thread_id>threads.candidate_id; anonymise=delete; seen_by=operator';
COMMENT ON COLUMN message_reports.reported_at IS 'class=operational; category=message; subject=candidate:message_id>messages.thread_id>threads.candidate_id; anonymise=delete; seen_by=operator';
COMMENT ON COLUMN message_reports.decision IS 'class=operational; category=message; subject=candidate:message_id>messages.thread_id>threads.candidate_id; anonymise=delete; seen_by=operator';
COMMENT ON COLUMN message_reports.decided_by IS 'class=operational; category=message; subject=candidate:message_id>messages.thread_id>threads.candidate_id; anonymise=delete; seen_by=operator';
COMMENT ON COLUMN message_reports.decided_at IS 'class=operational; category=message; subject=candidate:message_id>messages.thread_id>threads.candidate_id; anonymise=delete; seen_by=operator';
COMMENT ON COLUMN messages.id IS 'class=operational; category=message; subject=candidate:thread_id>threads.candidate_id; anonymise=delete; seen_by=candidate,org,operator';
COMMENT ON COLUMN messages.seq IS 'class=operational; category=message; subject=candidate:thread_id>threads.candidate_id; anonymise=delete; seen_by=candidate,org,operator';
COMMENT ON COLUMN messages.thread_id IS 'class=operational; category=message; subject=candidate:thread_id>threads.candidate_id; anonymise=delete; seen_by=candidate,org,operator';
COMMENT ON COLUMN messages.author_id IS 'class=operational; category=message; subject=candidate:thread_id>threads.candidate_id; anonymise=delete; seen_by=candidate,org,operator';
COMMENT ON COLUMN messages.from_candidate IS 'class=operational; category=message; subject=candidate:thread_id>threads.candidate_id; anonymise=delete; seen_by=candidate,org,operator';
COMMENT ON COLUMN messages.body IS 'class=free-text; category=message; subject=candidate:thread_id>threads.candidate_id; anonymise=delete; seen_by=candidate,org,operator';
COMMENT ON COLUMN messages.sent_at IS 'class=operational; category=message; subject=candidate:thread_id>threads.candidate_id; anonymise=delete; seen_by=candidate,org,operator';
COMMENT ON COLUMN messages.hidden_at IS 'class=operational; category=message; subject=candidate:thread_id>threads.candidate_id; anonymise=delete; seen_by=operator';
COMMENT ON COLUMN messages.hidden_by IS 'class=operational; category=message; subject=candidate:thread_id>threads.candidate_id; anonymise=delete; seen_by=operator';
COMMENT ON COLUMN messages.hidden_reason IS 'class=free-text; category=message; subject=candidate:thread_id>threads.candidate_id; anonymise=delete; seen_by=operator';
COMMENT ON COLUMN mfa_recovery_codes.user_id IS 'class=operational; category=account; subject=user:user_id; anonymise=delete; seen_by=engine';
COMMENT ON COLUMN mfa_recovery_codes.code_hash IS 'class=credential; category=account; subject=user:user_id; anonymise=delete; seen_by=engine';
COMMENT ON COLUMN mfa_recovery_codes.used_at IS 'class=operational; category=account; subject=user:user_id; anonymise=delete; seen_by=engine';
COMMENT ON COLUMN notification_deliveries.key IS 'class=operational; category=notification; seen_by=engine';
COMMENT ON COLUMN notification_deliveries.sent_at IS 'class=operational; category=notification; seen_by=engine; retention=clock';
COMMENT ON COLUMN org_agreements.id IS 'class=operational; category=agreement; subject=external:signatory; seen_by=org,operator';
COMMENT ON COLUMN org_agreements.org_id IS 'class=operational; category=agreement; subject=external:signatory; seen_by=org,operator';
COMMENT ON COLUMN org_agreements.version IS 'class=operational; category=agreement; subject=external:signatory; seen_by=org,operator';
COMMENT ON COLUMN org_agreements.signed_name IS 'class=operational; category=agreement; subject=external:signatory; seen_by=org,operator';
COMMENT ON COLUMN org_agreements.signatory_name IS 'class=identifying; category=agreement; subject=external:signatory; seen_by=org,operator';
COMMENT ON COLUMN org_agreements.signatory_role IS 'class=operational; category=agreement; subject=external:signatory; seen_by=org,operator';
COMMENT ON COLUMN org_agreements.signed_on IS 'class=operational; category=agreement; subject=external:signatory; seen_by=org,operator';
COMMENT ON COLUMN org_agreements.document IS 'class=identifying; category=agreement; subject=external:signatory; seen_by=org,operator';
COMMENT ON COLUMN org_agreements.document_sha256 IS 'class=operational; category=agreement; subject=external:signatory; seen_by=org,operator';
COMMENT ON COLUMN org_agreements.document_type IS 'class=operational; category=agreement; subject=external:signatory; seen_by=org,operator';
COMMENT ON COLUMN org_agreements.recorded_at IS 'class=operational; category=agreement; subject=external:signatory; seen_by=org,operator';
COMMENT ON COLUMN org_agreements.recorded_by IS 'class=operational; category=agreement; subject=external:signatory; seen_by=org,operator';
COMMENT ON COLUMN organisations.id IS 'class=operational; category=organisation; subject=external:organisation; seen_by=candidate,org,operator';
COMMENT ON COLUMN organisations.name IS 'class=operational; category=organisation; subject=external:organisation; seen_by=candidate,org,operator';
COMMENT ON COLUMN organisations.type IS 'class=operational; category=organisation; subject=external:organisation; seen_by=candidate,org,operator';
COMMENT ON COLUMN organisations.region IS 'class=operational; category=organisation; subject=external:organisation; seen_by=candidate,org,operator';
COMMENT ON COLUMN organisations.pledged_on IS 'class=operational; category=organisation; subject=external:organisation; seen_by=candidate,org,operator';
COMMENT ON COLUMN organisations.active IS 'class=operational; category=organisation; subject=external:organisation; seen_by=candidate,org,operator';
COMMENT ON COLUMN organisations.mailbox IS 'class=contact; category=organisation; subject=external:organisation; seen_by=org,operator';
COMMENT ON COLUMN organisations.mailbox_verified_at IS 'class=operational; category=organisation; subject=external:organisation; seen_by=org,operator';
COMMENT ON COLUMN organisations.onboarding IS 'class=operational; category=organisation; subject=external:organisation; seen_by=operator';
COMMENT ON COLUMN organisations.created_at IS 'class=operational; category=organisation; subject=external:organisation; seen_by=operator';
COMMENT ON COLUMN organisations.updated_at IS 'class=operational; category=organisation; subject=external:organisation; seen_by=operator';
COMMENT ON COLUMN password_resets.id IS 'class=operational; category=session; subject=user:user_id; anonymise=delete; seen_by=engine';
COMMENT ON COLUMN password_resets.user_id IS 'class=operational; category=session; subject=user:user_id; anonymise=delete; seen_by=engine';
COMMENT ON COLUMN password_resets.role IS 'class=operational; category=session; subject=user:user_id; anonymise=delete; seen_by=engine';
COMMENT ON COLUMN password_resets.org_id IS 'class=operational; category=session; subject=user:user_id; anonymise=delete; seen_by=engine';
COMMENT ON COLUMN password_resets.purpose IS 'class=operational; category=session; subject=user:user_id; anonymise=delete; seen_by=engine';
COMMENT ON COLUMN password_resets.token_hash IS 'class=credential; category=session; subject=user:user_id; anonymise=delete; seen_by=engine';
COMMENT ON COLUMN password_resets.created_at IS 'class=operational; category=session; subject=user:user_id; anonymise=delete; seen_by=engine';
COMMENT ON COLUMN password_resets.expires_at IS 'class=operational; category=session; subject=user:user_id; anonymise=delete; seen_by=engine; retention=clock';
COMMENT ON COLUMN password_resets.sent_at IS 'class=operational; category=session; subject=user:user_id; anonymise=delete; seen_by=engine';
COMMENT ON COLUMN password_resets.used_at IS 'class=operational; category=session; subject=user:user_id; anonymise=delete; seen_by=engine';
COMMENT ON COLUMN registration_requests.id IS 'class=operational; category=request; subject=external:requester; seen_by=engine';
COMMENT ON COLUMN registration_requests.email IS 'class=contact; category=request; subject=external:requester; seen_by=engine';
COMMENT ON COLUMN registration_requests.requested_at IS 'class=operational; category=request; subject=external:requester; seen_by=engine; retention=clock';
COMMENT ON COLUMN registration_requests.handled_at IS 'class=operational; category=request; subject=external:requester; seen_by=engine';
COMMENT ON COLUMN registration_requests.outcome IS 'class=operational; category=request; subject=external:requester; seen_by=engine';
COMMENT ON COLUMN registration_requests.invitation_id IS 'class=operational; category=request; subject=external:requester; seen_by=engine';
COMMENT ON COLUMN registration_requests.reset_id IS 'class=operational; category=request; subject=external:requester; seen_by=engine';
COMMENT ON COLUMN reset_requests.id IS 'class=operational; category=request; subject=external:requester; seen_by=engine';
COMMENT ON COLUMN reset_requests.email IS 'class=contact; category=request; subject=external:requester; seen_by=engine';
COMMENT ON COLUMN reset_requests.requested_at IS 'class=operational; category=request; subject=external:requester; seen_by=engine; retention=clock';
COMMENT ON COLUMN reset_requests.handled_at IS 'class=operational; category=request; subject=external:requester; seen_by=engine';
COMMENT ON COLUMN reset_requests.outcome IS 'class=operational; category=request; subject=external:requester; seen_by=engine';
COMMENT ON COLUMN reset_requests.reset_id IS 'class=operational; category=request; subject=external:requester; seen_by=engine';
COMMENT ON COLUMN sessions.id IS 'class=operational; category=session; subject=user:user_id; anonymise=delete; seen_by=user';
COMMENT ON COLUMN sessions.user_id IS 'class=operational; category=session; subject=user:user_id; anonymise=delete; seen_by=user';
COMMENT ON COLUMN sessions.token_hash IS 'class=credential; category=session; subject=user:user_id; anonymise=delete; seen_by=engine';
COMMENT ON COLUMN sessions.created_at IS 'class=operational; category=session; subject=user:user_id; anonymise=delete; seen_by=user';
COMMENT ON COLUMN sessions.last_seen_at IS 'class=operational; category=session; subject=user:user_id; anonymise=delete; seen_by=user';
COMMENT ON COLUMN sessions.expires_at IS 'class=operational; category=session; subject=user:user_id; anonymise=delete; seen_by=user; retention=clock';
COMMENT ON COLUMN spot_checks.id IS 'class=operational; category=candidate_record; subject=candidate:candidate_id; anonymise=delete; seen_by=operator';
COMMENT ON COLUMN spot_checks.candidate_id IS 'class=operational; category=candidate_record; subject=candidate:candidate_id; anonymise=delete; seen_by=operator';
COMMENT ON COLUMN spot_checks.flags IS 'class=operational; category=candidate_record; subject=candidate:candidate_id; anonymise=delete; seen_by=operator';
COMMENT ON COLUMN spot_checks.sampled_at IS 'class=operational; category=candidate_record; subject=candidate:candidate_id; anonymise=delete; seen_by=operator';
COMMENT ON COLUMN spot_checks.outcome IS 'class=operational; category=candidate_record; subject=candidate:candidate_id; anonymise=delete; seen_by=operator';
COMMENT ON COLUMN spot_checks.reason IS 'class=free-text; category=candidate_record; subject=candidate:candidate_id; anonymise=delete; seen_by=operator';
COMMENT ON COLUMN spot_checks.decided_by IS 'class=operational; category=candidate_record; subject=candidate:candidate_id; anonymise=delete; seen_by=operator';
COMMENT ON COLUMN spot_checks.decided_at IS 'class=operational; category=candidate_record; subject=candidate:candidate_id; anonymise=delete; seen_by=operator';
COMMENT ON COLUMN thread_reads.thread_id IS 'class=operational; category=message; subject=user:user_id; anonymise=delete; seen_by=engine; retention=cascade';
COMMENT ON COLUMN thread_reads.user_id IS 'class=operational; category=message; subject=user:user_id; anonymise=delete; seen_by=engine';
COMMENT ON COLUMN thread_reads.read_seq IS 'class=operational; category=message; subject=user:user_id; anonymise=delete; seen_by=engine';
COMMENT ON COLUMN threads.id IS 'class=operational; category=message; subject=candidate:candidate_id; anonymise=delete; seen_by=candidate,org,operator';
COMMENT ON COLUMN threads.candidate_id IS 'class=operational; category=message; subject=candidate:candidate_id; anonymise=delete; seen_by=candidate,org,operator';
COMMENT ON COLUMN threads.org_id IS 'class=operational; category=message; subject=candidate:candidate_id; anonymise=delete; seen_by=candidate,org,operator';
COMMENT ON COLUMN threads.created_at IS 'class=operational; category=message; subject=candidate:candidate_id; anonymise=delete; seen_by=candidate,org,operator';
COMMENT ON COLUMN threads.last_message_at IS 'class=operational; category=message; subject=candidate:candidate_id; anonymise=delete; seen_by=candidate,org,operator';
COMMENT ON COLUMN users.id IS 'class=operational; category=account; subject=user; anonymise=delete; seen_by=user,operator';
COMMENT ON COLUMN users.role IS 'class=operational; category=account; subject=user; anonymise=delete; seen_by=user,operator';
COMMENT ON COLUMN users.email IS 'class=contact; category=account; subject=user; anonymise=delete; seen_by=user,org,operator';
COMMENT ON COLUMN users.password_hash IS 'class=credential; category=account; subject=user; anonymise=delete; seen_by=engine';
COMMENT ON COLUMN users.created_at IS 'class=operational; category=account; subject=user; anonymise=delete; seen_by=user,operator';
COMMENT ON COLUMN users.updated_at IS 'class=operational; category=account; subject=user; anonymise=delete; seen_by=user,operator';
COMMENT ON COLUMN users.org_id IS 'class=operational; category=account; subject=user; anonymise=delete; seen_by=user,operator';
COMMENT ON COLUMN users.name IS 'class=identifying; category=account; subject=user; anonymise=delete; seen_by=user,org,operator';
COMMENT ON COLUMN users.disabled_at IS 'class=operational; category=account; subject=user; anonymise=delete; seen_by=user,operator';
COMMENT ON COLUMN users.mfa_secret IS 'class=credential; category=account; subject=user; anonymise=delete; seen_by=engine';
COMMENT ON COLUMN users.mfa_enabled_at IS 'class=operational; category=account; subject=user; anonymise=delete; seen_by=user,operator';
COMMENT ON COLUMN users.mfa_last_step IS 'class=operational; category=account; subject=user; anonymise=delete; seen_by=engine';
COMMENT ON COLUMN workflow_outbox.id IS 'class=operational; category=outbox; seen_by=engine';
COMMENT ON COLUMN workflow_outbox.workflow_id IS 'class=operational; category=outbox; seen_by=engine';
COMMENT ON COLUMN workflow_outbox.workflow IS 'class=operational; category=outbox; seen_by=engine';
COMMENT ON COLUMN workflow_outbox.signal IS 'class=operational; category=outbox; seen_by=engine';
COMMENT ON COLUMN workflow_outbox.args IS 'class=operational; category=outbox; seen_by=engine';
COMMENT ON COLUMN workflow_outbox.created_at IS 'class=operational; category=outbox; seen_by=engine';
COMMENT ON COLUMN workflow_outbox.attempts IS 'class=operational; category=outbox; seen_by=engine';
COMMENT ON COLUMN workflow_outbox.next_attempt_at IS 'class=operational; category=outbox; seen_by=engine';
COMMENT ON COLUMN workflow_outbox.last_error IS 'class=operational; category=outbox; seen_by=engine';
COMMENT ON COLUMN workflow_outbox.delivered_at IS 'class=operational; category=outbox; seen_by=engine; retention=clock';
COMMENT ON COLUMN audit_events.detail IS 'class=operational; category=audit; subject=user:actor_id; anonymise=keep; seen_by=operator';
COMMENT ON COLUMN candidate_activity.candidate_id IS 'class=operational; category=candidate_record; subject=candidate:candidate_id; anonymise=delete; seen_by=operator';
COMMENT ON COLUMN candidate_activity.last_active_at IS 'class=operational; category=candidate_record; subject=candidate:candidate_id; anonymise=delete; seen_by=operator; retention=clock';
COMMENT ON COLUMN ghosts.id IS 'class=anonymous; category=statistics; seen_by=operator';
COMMENT ON COLUMN ghosts.registered_month IS 'class=anonymous; category=statistics; seen_by=operator';
COMMENT ON COLUMN ghosts.age_band IS 'class=anonymous; category=statistics; seen_by=operator';
COMMENT ON COLUMN ghosts.connection IS 'class=anonymous; category=statistics; seen_by=operator';
COMMENT ON COLUMN ghosts.region IS 'class=anonymous; category=statistics; seen_by=operator';
COMMENT ON COLUMN ghosts.heard_about IS 'class=anonymous; category=statistics; seen_by=operator';
COMMENT ON COLUMN ghost_outcomes.ghost_id IS 'class=anonymous; category=statistics; seen_by=org,operator';
COMMENT ON COLUMN ghost_outcomes.org_id IS 'class=anonymous; category=statistics; seen_by=org,operator';
COMMENT ON COLUMN ghost_outcomes.furthest IS 'class=anonymous; category=statistics; seen_by=org,operator';
COMMENT ON COLUMN ghost_outcomes.placed_month IS 'class=anonymous; category=statistics; seen_by=org,operator';
COMMENT ON COLUMN ghost_follow_ups.ghost_id IS 'class=anonymous; category=statistics; seen_by=org,operator';
COMMENT ON COLUMN ghost_follow_ups.org_id IS 'class=anonymous; category=statistics; seen_by=org,operator';
COMMENT ON COLUMN ghost_follow_ups.months IS 'class=anonymous; category=statistics; seen_by=org,operator';
COMMENT ON COLUMN ghost_follow_ups.answer IS 'class=anonymous; category=statistics; seen_by=org,operator';
COMMENT ON COLUMN retention_rules.category IS 'class=operational; category=reference; seen_by=operator';
COMMENT ON COLUMN retention_rules.action IS 'class=operational; category=reference; seen_by=operator';
COMMENT ON COLUMN retention_rules.keep_seconds IS 'class=operational; category=reference; seen_by=operator';
COMMENT ON COLUMN retention_rules.org_visible_seconds IS 'class=operational; category=reference; seen_by=operator';
COMMENT ON COLUMN retention_rules.updated_at IS 'class=operational; category=reference; seen_by=operator';
COMMENT ON COLUMN retention_rules.updated_by IS 'class=operational; category=reference; seen_by=operator';
COMMENT ON COLUMN data_requests.id IS 'class=operational; category=audit; subject=candidate:candidate_id; anonymise=keep; seen_by=candidate,operator';
COMMENT ON COLUMN data_requests.kind IS 'class=operational; category=audit; subject=candidate:candidate_id; anonymise=keep; seen_by=candidate,operator';
COMMENT ON COLUMN data_requests.candidate_id IS 'class=operational; category=audit; subject=candidate:candidate_id; anonymise=null; seen_by=candidate,operator';
COMMENT ON COLUMN data_requests.state IS 'class=operational; category=audit; subject=candidate:candidate_id; anonymise=keep; seen_by=candidate,operator';
COMMENT ON COLUMN data_requests.received_at IS 'class=operational; category=audit; subject=candidate:candidate_id; anonymise=keep; seen_by=candidate,operator';
COMMENT ON COLUMN data_requests.due_at IS 'class=operational; category=audit; subject=candidate:candidate_id; anonymise=keep; seen_by=candidate,operator';
COMMENT ON COLUMN data_requests.extension IS 'class=free-text; category=audit; subject=candidate:candidate_id; anonymise=null; seen_by=candidate,operator';
COMMENT ON COLUMN data_requests.logged_by IS 'class=operational; category=audit; subject=candidate:candidate_id; anonymise=keep; seen_by=operator';
COMMENT ON COLUMN data_requests.answered_at IS 'class=operational; category=audit; subject=candidate:candidate_id; anonymise=keep; seen_by=candidate,operator';
COMMENT ON COLUMN erasure_requests.candidate_id IS 'class=operational; category=candidate_record; subject=candidate:candidate_id; anonymise=delete; seen_by=candidate,operator';
COMMENT ON COLUMN erasure_requests.requested_at IS 'class=operational; category=candidate_record; subject=candidate:candidate_id; anonymise=delete; seen_by=candidate,operator';
COMMENT ON COLUMN erasure_requests.requested_by IS 'class=operational; category=candidate_record; subject=candidate:candidate_id; anonymise=delete; seen_by=candidate,operator';
COMMENT ON COLUMN erasure_receipts.receipt IS 'class=anonymous; category=audit; seen_by=operator';
COMMENT ON COLUMN erasure_receipts.erased_at IS 'class=anonymous; category=audit; seen_by=operator';
COMMENT ON COLUMN erasure_receipts.requested_by IS 'class=anonymous; category=audit; seen_by=operator';

-- +goose Down
UPDATE interests SET state = 'removed' WHERE state = 'lapsed';
ALTER TABLE interests DROP CONSTRAINT interests_state_check;
ALTER TABLE interests ADD CONSTRAINT interests_state_check CHECK (state IN ('interested', 'contacted', 'engaged',
    'work_placement', 'interviewing', 'offered', 'placed', 'not_progressed', 'removed'));
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION org_sees(status text, sharing boolean, verification text, interest text, keep_placed boolean)
RETURNS boolean LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT coalesce(sharing AND verification <> 'rejected' AND CASE status
    WHEN 'registered' THEN interest IS NOT NULL AND interest <> 'removed'
    WHEN 'placed' THEN keep_placed AND interest = 'placed'
    ELSE false END, false)
$$;
-- +goose StatementEnd
DROP INDEX account_invitations_invited_by_idx;
DROP INDEX account_invitations_user_id_idx;
DROP INDEX data_requests_logged_by_idx;
DROP INDEX interventions_recorded_by_idx;
DROP INDEX invitations_invited_by_idx;
DROP INDEX journey_events_interest_id_idx;
DROP INDEX message_reports_decided_by_idx;
DROP INDEX message_reports_reported_by_idx;
DROP INDEX messages_author_id_idx;
DROP INDEX messages_hidden_by_idx;
DROP INDEX org_agreements_recorded_by_idx;
DROP INDEX registration_requests_invitation_id_idx;
DROP INDEX retention_rules_updated_by_idx;
DROP INDEX spot_checks_decided_by_idx;
DROP INDEX thread_reads_user_id_idx;
DROP POLICY users_privacy_engine ON users;
DROP POLICY sessions_privacy_engine ON sessions;
DROP POLICY candidates_privacy_engine ON candidates;
DROP POLICY invitations_privacy_engine ON invitations;
DROP POLICY invitation_tokens_privacy_engine ON invitation_tokens;
DROP POLICY consents_privacy_engine ON consents;
DROP POLICY login_events_privacy_engine ON login_events;
DROP POLICY journey_events_privacy_engine ON journey_events;
DROP POLICY conduct_acceptances_privacy_engine ON conduct_acceptances;
DROP POLICY mfa_recovery_codes_privacy_engine ON mfa_recovery_codes;
DROP POLICY password_resets_privacy_engine ON password_resets;
DROP POLICY interests_privacy_engine ON interests;
DROP POLICY interventions_privacy_engine ON interventions;
DROP POLICY threads_privacy_engine ON threads;
DROP POLICY messages_privacy_engine ON messages;
DROP POLICY thread_reads_privacy_engine ON thread_reads;
DROP POLICY message_reports_privacy_engine ON message_reports;
DROP POLICY follow_ups_privacy_engine ON follow_ups;
DROP POLICY spot_checks_privacy_engine ON spot_checks;
DROP POLICY registration_requests_privacy_engine ON registration_requests;
DROP POLICY reset_requests_privacy_engine ON reset_requests;
DROP POLICY workflow_outbox_privacy_engine ON workflow_outbox;
DROP POLICY notification_deliveries_privacy_engine ON notification_deliveries;
DROP POLICY account_invitations_privacy_engine ON account_invitations;
DROP POLICY account_invitation_tokens_privacy_engine ON account_invitation_tokens;
DROP POLICY mailbox_verifications_privacy_engine ON mailbox_verifications;
DROP POLICY audit_events_subject ON audit_events;
DROP POLICY messages_subject ON messages;
DROP POLICY message_reports_subject ON message_reports;
DROP FUNCTION app_purpose();
DROP POLICY consent_texts_publish ON consent_texts;
REVOKE INSERT ON consent_texts FROM muster_app;
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION audit_event_hash(prev bytea, e audit_events) RETURNS bytea
LANGUAGE sql IMMUTABLE AS $$
  SELECT sha256(prev || convert_to(concat_ws('|',
    e.seq::text,
    (extract(epoch FROM e.occurred_at) * 1000000)::bigint::text,
    coalesce(e.actor_id::text, ''), e.actor_role, coalesce(e.actor_org_id::text, ''),
    e.action, e.object_type, e.object_id::text, coalesce(e.org_id::text, ''), e.ip), 'UTF8'))
$$;
-- +goose StatementEnd
ALTER TABLE audit_events DROP COLUMN detail;
DROP FUNCTION candidate_objects(uuid), org_name(uuid);
DROP POLICY password_resets_subject ON password_resets;
DROP POLICY invitations_subject ON invitations;
DROP POLICY spot_checks_subject ON spot_checks;
DROP POLICY invitation_tokens_subject ON invitation_tokens;
DROP FUNCTION app_candidate_invitations();
DROP VIEW reporting_follow_ups, reporting_outcomes, reporting_people;
DROP FUNCTION age_band(date, date);
DROP TRIGGER candidate_activity ON journey_events;
DROP TRIGGER candidate_activity ON messages;
DROP TRIGGER candidate_activity ON login_events;
DROP TRIGGER candidate_activity ON candidates;
DROP FUNCTION candidate_activity_from_row(), candidate_active(uuid, timestamptz);
DROP TABLE data_requests, erasure_requests, erasure_receipts, retention_rules, ghost_follow_ups, ghost_outcomes, ghosts, candidate_activity;
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION audit_events_chain() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  last audit_events%ROWTYPE;
BEGIN
  IF current_setting('transaction_isolation') <> 'read committed' THEN
    RAISE EXCEPTION 'audit events are written in read committed transactions only';
  END IF;
  PERFORM pg_advisory_xact_lock(7239400311);
  SELECT * INTO last FROM audit_events ORDER BY seq DESC LIMIT 1;
  NEW.seq := coalesce(last.seq, 0) + 1;
  NEW.prev_hash := coalesce(last.hash, '\x0000000000000000000000000000000000000000000000000000000000000000'::bytea);
  NEW.actor_role := coalesce(app_role(), 'none');
  NEW.actor_id := app_user_id();
  NEW.actor_org_id := app_org_id();
  NEW.ip := coalesce(NEW.ip, '');
  NEW.hash := audit_event_hash(NEW.prev_hash, NEW);
  RETURN NEW;
END
$$;
-- +goose StatementEnd
COMMENT ON COLUMN account_invitation_tokens.token_hash IS 'class=credential; category=invitation';
COMMENT ON COLUMN account_invitation_tokens.invitation_id IS 'class=operational; category=invitation';
COMMENT ON COLUMN account_invitation_tokens.purpose IS 'class=operational; category=invitation';
COMMENT ON COLUMN account_invitation_tokens.created_at IS 'class=operational; category=invitation';
COMMENT ON COLUMN account_invitation_tokens.sent_at IS 'class=operational; category=invitation';
COMMENT ON COLUMN account_invitations.id IS 'class=operational; category=invitation';
COMMENT ON COLUMN account_invitations.org_id IS 'class=operational; category=invitation';
COMMENT ON COLUMN account_invitations.kind IS 'class=operational; category=invitation';
COMMENT ON COLUMN account_invitations.role IS 'class=operational; category=invitation';
COMMENT ON COLUMN account_invitations.name IS 'class=identifying; category=invitation';
COMMENT ON COLUMN account_invitations.email IS 'class=contact; category=invitation';
COMMENT ON COLUMN account_invitations.invited_by IS 'class=operational; category=invitation';
COMMENT ON COLUMN account_invitations.created_at IS 'class=operational; category=invitation';
COMMENT ON COLUMN account_invitations.expires_at IS 'class=operational; category=invitation';
COMMENT ON COLUMN account_invitations.used_at IS 'class=operational; category=invitation';
COMMENT ON COLUMN account_invitations.expired_at IS 'class=operational; category=invitation';
COMMENT ON COLUMN account_invitations.user_id IS 'class=operational; category=invitation';
COMMENT ON COLUMN account_invitations.consumed_txid IS 'class=operational; category=invitation';
COMMENT ON COLUMN agreement_versions.version IS 'class=operational; category=reference';
COMMENT ON COLUMN agreement_versions.added_at IS 'class=operational; category=reference';
COMMENT ON COLUMN agreement_versions.retired_at IS 'class=operational; category=reference';
COMMENT ON COLUMN audit_events.seq IS 'class=operational; category=audit';
COMMENT ON COLUMN audit_events.occurred_at IS 'class=operational; category=audit';
COMMENT ON COLUMN audit_events.actor_id IS 'class=operational; category=audit';
COMMENT ON COLUMN audit_events.actor_role IS 'class=operational; category=audit';
COMMENT ON COLUMN audit_events.actor_org_id IS 'class=operational; category=audit';
COMMENT ON COLUMN audit_events.action IS 'class=operational; category=audit';
COMMENT ON COLUMN audit_events.object_type IS 'class=operational; category=audit';
COMMENT ON COLUMN audit_events.object_id IS 'class=operational; category=audit';
COMMENT ON COLUMN audit_events.org_id IS 'class=operational; category=audit';
COMMENT ON COLUMN audit_events.ip IS 'class=identifying; category=audit';
COMMENT ON COLUMN audit_events.prev_hash IS 'class=operational; category=audit';
COMMENT ON COLUMN audit_events.hash IS 'class=operational; category=audit';
COMMENT ON COLUMN candidates.id IS 'class=operational; category=candidate_record';
COMMENT ON COLUMN candidates.user_id IS 'class=operational; category=candidate_record';
COMMENT ON COLUMN candidates.status IS 'class=anonymous; category=reporting';
COMMENT ON COLUMN candidates.first_name IS 'class=identifying; category=candidate_record';
COMMENT ON COLUMN candidates.last_name IS 'class=identifying; category=candidate_record';
COMMENT ON COLUMN candidates.phone IS 'class=contact; category=candidate_record';
COMMENT ON COLUMN candidates.date_of_birth IS 'class=identifying; category=candidate_record';
COMMENT ON COLUMN candidates.connection IS 'class=special; category=reporting';
COMMENT ON COLUMN candidates.skills IS 'class=free-text; category=candidate_record';
COMMENT ON COLUMN candidates.job_preferences IS 'class=free-text; category=candidate_record';
COMMENT ON COLUMN candidates.region IS 'class=anonymous; category=reporting';
COMMENT ON COLUMN candidates.heard_about IS 'class=anonymous; category=reporting';
COMMENT ON COLUMN candidates.invited_at IS 'class=operational; category=reporting';
COMMENT ON COLUMN candidates.registered_at IS 'class=operational; category=reporting';
COMMENT ON COLUMN candidates.updated_at IS 'class=operational; category=candidate_record';
COMMENT ON COLUMN candidates.sharing IS 'class=operational; category=consent';
COMMENT ON COLUMN candidates.verification IS 'class=operational; category=candidate_record';
COMMENT ON COLUMN conduct_acceptances.user_id IS 'class=operational; category=account';
COMMENT ON COLUMN conduct_acceptances.version IS 'class=operational; category=account';
COMMENT ON COLUMN conduct_acceptances.accepted_at IS 'class=operational; category=account';
COMMENT ON COLUMN conduct_texts.version IS 'class=operational; category=reference';
COMMENT ON COLUMN conduct_texts.body IS 'class=operational; category=reference';
COMMENT ON COLUMN conduct_texts.published_at IS 'class=operational; category=reference';
COMMENT ON COLUMN consent_texts.version IS 'class=operational; category=reference';
COMMENT ON COLUMN consent_texts.purpose IS 'class=operational; category=reference';
COMMENT ON COLUMN consent_texts.body IS 'class=operational; category=reference';
COMMENT ON COLUMN consent_texts.published_at IS 'class=operational; category=reference';
COMMENT ON COLUMN consents.id IS 'class=operational; category=consent';
COMMENT ON COLUMN consents.candidate_id IS 'class=operational; category=consent';
COMMENT ON COLUMN consents.text_version IS 'class=operational; category=consent';
COMMENT ON COLUMN consents.given IS 'class=operational; category=consent';
COMMENT ON COLUMN consents.method IS 'class=operational; category=consent';
COMMENT ON COLUMN consents.recorded_at IS 'class=operational; category=consent';
COMMENT ON COLUMN expired_invitation_counts.month IS 'class=anonymous; category=statistics';
COMMENT ON COLUMN expired_invitation_counts.kind IS 'class=anonymous; category=statistics';
COMMENT ON COLUMN expired_invitation_counts.expired IS 'class=anonymous; category=statistics';
COMMENT ON COLUMN follow_ups.id IS 'class=operational; category=reporting';
COMMENT ON COLUMN follow_ups.interest_id IS 'class=operational; category=reporting';
COMMENT ON COLUMN follow_ups.months IS 'class=anonymous; category=reporting';
COMMENT ON COLUMN follow_ups.due_on IS 'class=operational; category=reporting';
COMMENT ON COLUMN follow_ups.asked_at IS 'class=operational; category=reporting';
COMMENT ON COLUMN follow_ups.reminded_at IS 'class=operational; category=reporting';
COMMENT ON COLUMN follow_ups.answer IS 'class=anonymous; category=reporting';
COMMENT ON COLUMN follow_ups.answered_at IS 'class=operational; category=reporting';
COMMENT ON COLUMN interests.id IS 'class=operational; category=reporting';
COMMENT ON COLUMN interests.candidate_id IS 'class=operational; category=reporting';
COMMENT ON COLUMN interests.org_id IS 'class=operational; category=reporting';
COMMENT ON COLUMN interests.state IS 'class=anonymous; category=reporting';
COMMENT ON COLUMN interests.interviewed IS 'class=anonymous; category=reporting';
COMMENT ON COLUMN interests.work_placed IS 'class=anonymous; category=reporting';
COMMENT ON COLUMN interests.opened_at IS 'class=operational; category=reporting';
COMMENT ON COLUMN interests.updated_at IS 'class=operational; category=reporting';
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
COMMENT ON COLUMN invitation_tokens.token_hash IS 'class=credential; category=invitation';
COMMENT ON COLUMN invitation_tokens.invitation_id IS 'class=operational; category=invitation';
COMMENT ON COLUMN invitation_tokens.generation IS 'class=operational; category=invitation';
COMMENT ON COLUMN invitation_tokens.created_at IS 'class=operational; category=invitation';
COMMENT ON COLUMN invitation_tokens.sent_at IS 'class=operational; category=invitation';
COMMENT ON COLUMN invitations.id IS 'class=operational; category=invitation';
COMMENT ON COLUMN invitations.candidate_id IS 'class=operational; category=invitation';
COMMENT ON COLUMN invitations.kind IS 'class=operational; category=invitation';
COMMENT ON COLUMN invitations.email IS 'class=contact; category=invitation';
COMMENT ON COLUMN invitations.invited_by IS 'class=operational; category=invitation';
COMMENT ON COLUMN invitations.created_at IS 'class=operational; category=invitation';
COMMENT ON COLUMN invitations.expires_at IS 'class=operational; category=invitation';
COMMENT ON COLUMN invitations.used_at IS 'class=operational; category=invitation';
COMMENT ON COLUMN invitations.consumed_txid IS 'class=operational; category=invitation';
COMMENT ON COLUMN journey_events.id IS 'class=operational; category=reporting';
COMMENT ON COLUMN journey_events.candidate_id IS 'class=operational; category=reporting';
COMMENT ON COLUMN journey_events.type IS 'class=anonymous; category=reporting';
COMMENT ON COLUMN journey_events.from_status IS 'class=anonymous; category=reporting';
COMMENT ON COLUMN journey_events.to_status IS 'class=anonymous; category=reporting';
COMMENT ON COLUMN journey_events.actor_id IS 'class=operational; category=reporting';
COMMENT ON COLUMN journey_events.occurred_at IS 'class=operational; category=reporting';
COMMENT ON COLUMN journey_events.org_id IS 'class=operational; category=reporting';
COMMENT ON COLUMN journey_events.interest_id IS 'class=operational; category=reporting';
COMMENT ON COLUMN login_events.id IS 'class=operational; category=login_record';
COMMENT ON COLUMN login_events.user_id IS 'class=operational; category=login_record';
COMMENT ON COLUMN login_events.outcome IS 'class=operational; category=login_record';
COMMENT ON COLUMN login_events.ip IS 'class=identifying; category=login_record';
COMMENT ON COLUMN login_events.user_agent IS 'class=operational; category=login_record';
COMMENT ON COLUMN login_events.occurred_at IS 'class=operational; category=login_record';
COMMENT ON COLUMN login_events.subject IS 'class=identifying; category=login_record';
COMMENT ON COLUMN mailbox_verifications.id IS 'class=operational; category=organisation';
COMMENT ON COLUMN mailbox_verifications.org_id IS 'class=operational; category=organisation';
COMMENT ON COLUMN mailbox_verifications.email IS 'class=contact; category=organisation';
COMMENT ON COLUMN mailbox_verifications.token_hash IS 'class=credential; category=organisation';
COMMENT ON COLUMN mailbox_verifications.created_at IS 'class=operational; category=organisation';
COMMENT ON COLUMN mailbox_verifications.expires_at IS 'class=operational; category=organisation';
COMMENT ON COLUMN mailbox_verifications.sent_at IS 'class=operational; category=organisation';
COMMENT ON COLUMN mailbox_verifications.used_at IS 'class=operational; category=organisation';
COMMENT ON COLUMN mailbox_verifications.consumed_txid IS 'class=operational; category=organisation';
COMMENT ON COLUMN message_reports.id IS 'class=operational; category=message';
COMMENT ON COLUMN message_reports.message_id IS 'class=operational; category=message';
COMMENT ON COLUMN message_reports.reported_by IS 'class=operational; category=message';
COMMENT ON COLUMN message_reports.reason IS 'class=operational; category=message';
COMMENT ON COLUMN message_reports.note IS 'class=free-text; category=message';
COMMENT ON COLUMN message_reports.reported_at IS 'class=operational; category=message';
COMMENT ON COLUMN message_reports.decision IS 'class=operational; category=message';
COMMENT ON COLUMN message_reports.decided_by IS 'class=operational; category=message';
COMMENT ON COLUMN message_reports.decided_at IS 'class=operational; category=message';
COMMENT ON COLUMN messages.id IS 'class=operational; category=message';
COMMENT ON COLUMN messages.seq IS 'class=operational; category=message';
COMMENT ON COLUMN messages.thread_id IS 'class=operational; category=message';
COMMENT ON COLUMN messages.author_id IS 'class=operational; category=message';
COMMENT ON COLUMN messages.from_candidate IS 'class=operational; category=message';
COMMENT ON COLUMN messages.body IS 'class=free-text; category=message';
COMMENT ON COLUMN messages.sent_at IS 'class=operational; category=message';
COMMENT ON COLUMN messages.hidden_at IS 'class=operational; category=message';
COMMENT ON COLUMN messages.hidden_by IS 'class=operational; category=message';
COMMENT ON COLUMN messages.hidden_reason IS 'class=free-text; category=message';
COMMENT ON COLUMN mfa_recovery_codes.user_id IS 'class=operational; category=account';
COMMENT ON COLUMN mfa_recovery_codes.code_hash IS 'class=credential; category=account';
COMMENT ON COLUMN mfa_recovery_codes.used_at IS 'class=operational; category=account';
COMMENT ON COLUMN notification_deliveries.key IS 'class=operational; category=notification';
COMMENT ON COLUMN notification_deliveries.sent_at IS 'class=operational; category=notification';
COMMENT ON COLUMN org_agreements.id IS 'class=operational; category=agreement';
COMMENT ON COLUMN org_agreements.org_id IS 'class=operational; category=agreement';
COMMENT ON COLUMN org_agreements.version IS 'class=operational; category=agreement';
COMMENT ON COLUMN org_agreements.signed_name IS 'class=operational; category=agreement';
COMMENT ON COLUMN org_agreements.signatory_name IS 'class=identifying; category=agreement';
COMMENT ON COLUMN org_agreements.signatory_role IS 'class=operational; category=agreement';
COMMENT ON COLUMN org_agreements.signed_on IS 'class=operational; category=agreement';
COMMENT ON COLUMN org_agreements.document IS 'class=identifying; category=agreement';
COMMENT ON COLUMN org_agreements.document_sha256 IS 'class=operational; category=agreement';
COMMENT ON COLUMN org_agreements.document_type IS 'class=operational; category=agreement';
COMMENT ON COLUMN org_agreements.recorded_at IS 'class=operational; category=agreement';
COMMENT ON COLUMN org_agreements.recorded_by IS 'class=operational; category=agreement';
COMMENT ON COLUMN organisations.id IS 'class=operational; category=organisation';
COMMENT ON COLUMN organisations.name IS 'class=operational; category=organisation';
COMMENT ON COLUMN organisations.type IS 'class=operational; category=organisation';
COMMENT ON COLUMN organisations.region IS 'class=operational; category=organisation';
COMMENT ON COLUMN organisations.pledged_on IS 'class=operational; category=organisation';
COMMENT ON COLUMN organisations.active IS 'class=operational; category=organisation';
COMMENT ON COLUMN organisations.mailbox IS 'class=contact; category=organisation';
COMMENT ON COLUMN organisations.mailbox_verified_at IS 'class=operational; category=organisation';
COMMENT ON COLUMN organisations.onboarding IS 'class=operational; category=organisation';
COMMENT ON COLUMN organisations.created_at IS 'class=operational; category=organisation';
COMMENT ON COLUMN organisations.updated_at IS 'class=operational; category=organisation';
COMMENT ON COLUMN password_resets.id IS 'class=operational; category=session';
COMMENT ON COLUMN password_resets.user_id IS 'class=operational; category=session';
COMMENT ON COLUMN password_resets.role IS 'class=operational; category=session';
COMMENT ON COLUMN password_resets.org_id IS 'class=operational; category=session';
COMMENT ON COLUMN password_resets.purpose IS 'class=operational; category=session';
COMMENT ON COLUMN password_resets.token_hash IS 'class=credential; category=session';
COMMENT ON COLUMN password_resets.created_at IS 'class=operational; category=session';
COMMENT ON COLUMN password_resets.expires_at IS 'class=operational; category=session';
COMMENT ON COLUMN password_resets.sent_at IS 'class=operational; category=session';
COMMENT ON COLUMN password_resets.used_at IS 'class=operational; category=session';
COMMENT ON COLUMN registration_requests.id IS 'class=operational; category=request';
COMMENT ON COLUMN registration_requests.email IS 'class=contact; category=request';
COMMENT ON COLUMN registration_requests.requested_at IS 'class=operational; category=request';
COMMENT ON COLUMN registration_requests.handled_at IS 'class=operational; category=request';
COMMENT ON COLUMN registration_requests.outcome IS 'class=operational; category=request';
COMMENT ON COLUMN registration_requests.invitation_id IS 'class=operational; category=request';
COMMENT ON COLUMN registration_requests.reset_id IS 'class=operational; category=request';
COMMENT ON COLUMN reset_requests.id IS 'class=operational; category=request';
COMMENT ON COLUMN reset_requests.email IS 'class=contact; category=request';
COMMENT ON COLUMN reset_requests.requested_at IS 'class=operational; category=request';
COMMENT ON COLUMN reset_requests.handled_at IS 'class=operational; category=request';
COMMENT ON COLUMN reset_requests.outcome IS 'class=operational; category=request';
COMMENT ON COLUMN reset_requests.reset_id IS 'class=operational; category=request';
COMMENT ON COLUMN sessions.id IS 'class=operational; category=session';
COMMENT ON COLUMN sessions.user_id IS 'class=operational; category=session';
COMMENT ON COLUMN sessions.token_hash IS 'class=credential; category=session';
COMMENT ON COLUMN sessions.created_at IS 'class=operational; category=session';
COMMENT ON COLUMN sessions.last_seen_at IS 'class=operational; category=session';
COMMENT ON COLUMN sessions.expires_at IS 'class=operational; category=session';
COMMENT ON COLUMN spot_checks.id IS 'class=operational; category=candidate_record';
COMMENT ON COLUMN spot_checks.candidate_id IS 'class=operational; category=candidate_record';
COMMENT ON COLUMN spot_checks.flags IS 'class=operational; category=candidate_record';
COMMENT ON COLUMN spot_checks.sampled_at IS 'class=operational; category=candidate_record';
COMMENT ON COLUMN spot_checks.outcome IS 'class=operational; category=candidate_record';
COMMENT ON COLUMN spot_checks.reason IS 'class=free-text; category=candidate_record';
COMMENT ON COLUMN spot_checks.decided_by IS 'class=operational; category=candidate_record';
COMMENT ON COLUMN spot_checks.decided_at IS 'class=operational; category=candidate_record';
COMMENT ON COLUMN thread_reads.thread_id IS 'class=operational; category=message';
COMMENT ON COLUMN thread_reads.user_id IS 'class=operational; category=message';
COMMENT ON COLUMN thread_reads.read_seq IS 'class=operational; category=message';
COMMENT ON COLUMN threads.id IS 'class=operational; category=message';
COMMENT ON COLUMN threads.candidate_id IS 'class=operational; category=message';
COMMENT ON COLUMN threads.org_id IS 'class=operational; category=message';
COMMENT ON COLUMN threads.created_at IS 'class=operational; category=message';
COMMENT ON COLUMN threads.last_message_at IS 'class=operational; category=message';
COMMENT ON COLUMN users.id IS 'class=operational; category=account';
COMMENT ON COLUMN users.role IS 'class=operational; category=account';
COMMENT ON COLUMN users.email IS 'class=contact; category=account';
COMMENT ON COLUMN users.password_hash IS 'class=credential; category=account';
COMMENT ON COLUMN users.created_at IS 'class=operational; category=account';
COMMENT ON COLUMN users.updated_at IS 'class=operational; category=account';
COMMENT ON COLUMN users.org_id IS 'class=operational; category=account';
COMMENT ON COLUMN users.name IS 'class=identifying; category=account';
COMMENT ON COLUMN users.disabled_at IS 'class=operational; category=account';
COMMENT ON COLUMN users.mfa_secret IS 'class=credential; category=account';
COMMENT ON COLUMN users.mfa_enabled_at IS 'class=operational; category=account';
COMMENT ON COLUMN users.mfa_last_step IS 'class=operational; category=account';
COMMENT ON COLUMN workflow_outbox.id IS 'class=operational; category=outbox';
COMMENT ON COLUMN workflow_outbox.workflow_id IS 'class=operational; category=outbox';
COMMENT ON COLUMN workflow_outbox.workflow IS 'class=operational; category=outbox';
COMMENT ON COLUMN workflow_outbox.signal IS 'class=operational; category=outbox';
COMMENT ON COLUMN workflow_outbox.args IS 'class=operational; category=outbox';
COMMENT ON COLUMN workflow_outbox.created_at IS 'class=operational; category=outbox';
COMMENT ON COLUMN workflow_outbox.attempts IS 'class=operational; category=outbox';
COMMENT ON COLUMN workflow_outbox.next_attempt_at IS 'class=operational; category=outbox';
COMMENT ON COLUMN workflow_outbox.last_error IS 'class=operational; category=outbox';
COMMENT ON COLUMN workflow_outbox.delivered_at IS 'class=operational; category=outbox';
