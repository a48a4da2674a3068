-- The seam for growth: every transaction runs as its real actor, so the
-- policies below are what actually decides visibility; a transactional
-- outbox for workflow starts and signals; requests for registration links
-- handled after the answer; registration links that a resend does not kill;
-- sign-in limits that hold under concurrency and for unknown addresses.

-- +goose Up

-- An anonymous actor may present a secret (a registration link's token, a
-- session's bearer token); the transaction carries its SHA-256, hex, and
-- the policies show only the rows that secret unlocks.
-- +goose StatementBegin
CREATE FUNCTION app_credential() RETURNS bytea
LANGUAGE sql STABLE AS $$ SELECT decode(nullif(current_setting('app.credential', true), ''), 'hex') $$;
-- +goose StatementEnd
GRANT EXECUTE ON FUNCTION app_credential() TO muster_app;

-- Registration links. An invitation may have several: a resend adds one and
-- the earlier ones keep working, so nobody can kill the link in someone
-- else's inbox by asking for theirs again. Each token generation is its own
-- message (the notifier's idempotency key names it).
CREATE TABLE invitation_tokens (
    token_hash    bytea PRIMARY KEY,
    invitation_id uuid NOT NULL REFERENCES invitations (id) ON DELETE CASCADE,
    generation    integer NOT NULL CHECK (generation > 0),
    created_at    timestamptz NOT NULL,
    sent_at       timestamptz,
    UNIQUE (invitation_id, generation)
);
COMMENT ON TABLE invitation_tokens IS 'Registration links, stored only as the SHA-256 of their token; one per email sent for an invitation.';
COMMENT ON COLUMN invitation_tokens.token_hash IS 'class=credential; category=invitation';
COMMENT ON COLUMN invitation_tokens.invitation_id IS 'class=operational; category=invitation';
COMMENT ON COLUMN invitation_tokens.generation IS 'class=operational; category=invitation';
COMMENT ON COLUMN invitation_tokens.created_at IS 'class=operational; category=invitation';
COMMENT ON COLUMN invitation_tokens.sent_at IS 'class=operational; category=invitation';
INSERT INTO invitation_tokens (token_hash, invitation_id, generation, created_at, sent_at)
SELECT token_hash, id, 1, created_at, sent_at FROM invitations WHERE token_hash IS NOT NULL;
ALTER TABLE invitations DROP COLUMN token_hash, DROP COLUMN sent_at;
-- The transaction that used the invitation: a link unlocks its invitee's
-- rows while the invitation is unused, and, in the transaction that
-- registers with it, until that commits; never after.
ALTER TABLE invitations ADD COLUMN consumed_txid bigint;
COMMENT ON COLUMN invitations.consumed_txid IS 'class=operational; category=invitation';

-- What an invitation is (whose, what kind, for how long) never changes;
-- only its use does.
-- +goose StatementBegin
CREATE FUNCTION invitations_keep_identity() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.id <> OLD.id OR NEW.candidate_id <> OLD.candidate_id OR NEW.kind <> OLD.kind
     OR NEW.created_at <> OLD.created_at OR NEW.expires_at <> OLD.expires_at
     OR NEW.invited_by IS DISTINCT FROM OLD.invited_by THEN
    RAISE EXCEPTION 'an invitation''s candidate, kind, creator and window cannot change'
      USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  RETURN NEW;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER invitations_keep_identity BEFORE UPDATE ON invitations
    FOR EACH ROW EXECUTE FUNCTION invitations_keep_identity();

-- Requests for a registration link. The API answers at once, the same for
-- every address, and the RegistrationRequest workflow decides what to do:
-- so neither the answer nor its timing says whether an address is known.
CREATE TABLE registration_requests (
    id            uuid PRIMARY KEY,
    email         text,
    requested_at  timestamptz NOT NULL,
    handled_at    timestamptz,
    outcome       text CHECK (outcome IN ('created', 'pending', 'registered')),
    invitation_id uuid REFERENCES invitations (id) ON DELETE SET NULL,
    CHECK ((handled_at IS NULL) = (email IS NOT NULL)),
    CHECK ((handled_at IS NULL) = (outcome IS NULL))
);
COMMENT ON TABLE registration_requests IS 'Requests for a registration link; the address is wiped when the request is handled.';
COMMENT ON COLUMN registration_requests.id IS 'class=operational; category=request';
COMMENT ON COLUMN registration_requests.email IS 'class=contact; category=request';
COMMENT ON COLUMN registration_requests.requested_at IS 'class=operational; category=request';
COMMENT ON COLUMN registration_requests.handled_at IS 'class=operational; category=request';
COMMENT ON COLUMN registration_requests.outcome IS 'class=operational; category=request';
COMMENT ON COLUMN registration_requests.invitation_id IS 'class=operational; category=request';

-- The transactional outbox: a committed change that must start or signal a
-- workflow writes the intent here in its own transaction; the relay
-- delivers it to Temporal and marks it done. Times are the database's own.
CREATE TABLE workflow_outbox (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    workflow_id     text NOT NULL,
    workflow        text,
    signal          text,
    args            jsonb,
    created_at      timestamptz NOT NULL DEFAULT now(),
    attempts        integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    last_error      text,
    delivered_at    timestamptz,
    CHECK ((workflow IS NULL) <> (signal IS NULL))
);
CREATE INDEX workflow_outbox_due_idx ON workflow_outbox (next_attempt_at, id) WHERE delivered_at IS NULL;
CREATE INDEX workflow_outbox_workflow_idx ON workflow_outbox (workflow_id, id) WHERE delivered_at IS NULL;
CREATE INDEX workflow_outbox_delivered_idx ON workflow_outbox (delivered_at) WHERE delivered_at IS NOT NULL;
COMMENT ON TABLE workflow_outbox IS 'Workflow starts and signals caused by committed changes, waiting for the relay; IDs only.';
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

-- Sign-in attempts are counted per address tried (known or not), so an
-- unknown address is throttled exactly like a known one. The subject is the
-- SHA-256 of the address as tried. An attempt is recorded as 'pending'
-- before its password is checked, and counts as a failure until it is
-- settled: so concurrent attempts cannot all slip under the limit.
ALTER TABLE login_events ADD COLUMN subject bytea;
COMMENT ON COLUMN login_events.subject IS 'class=identifying; category=login_record';
ALTER TABLE login_events DROP CONSTRAINT login_events_outcome_check;
ALTER TABLE login_events ADD CONSTRAINT login_events_outcome_check
    CHECK (outcome IN ('pending', 'success', 'failure', 'throttled'));
DROP INDEX login_events_user_failure_idx, login_events_user_success_idx, login_events_ip_failure_idx;
CREATE INDEX login_events_subject_failure_idx ON login_events (subject, occurred_at) WHERE outcome IN ('failure', 'pending');
CREATE INDEX login_events_subject_success_idx ON login_events (subject, occurred_at) WHERE outcome = 'success';
CREATE INDEX login_events_ip_failure_idx ON login_events (ip, occurred_at) WHERE outcome IN ('failure', 'pending');

-- Policies, one per command, now that every transaction runs as its real
-- actor. A row is visible to: the engine (system); the operator, where the
-- programme's work needs it; the person it belongs to; and an anonymous
-- actor holding the secret that unlocks it. Child rows are visible exactly
-- when their candidate is.
DROP POLICY users_access ON users;
DROP POLICY sessions_access ON sessions;
DROP POLICY candidates_access ON candidates;
DROP POLICY invitations_access ON invitations;
DROP POLICY consents_access ON consents;
DROP POLICY login_events_access ON login_events;
DROP POLICY journey_events_access ON journey_events;

CREATE POLICY users_read ON users FOR SELECT USING (
    app_is_staff() OR id = app_user_id()
    OR id IN (SELECT s.user_id FROM sessions s WHERE s.token_hash = app_credential()));
-- A link's holder may create one candidate account, in the transaction
-- that uses the link.
CREATE POLICY users_insert ON users FOR INSERT WITH CHECK (
    app_is_staff()
    OR (app_role() = 'anonymous' AND role = 'candidate' AND EXISTS (
        SELECT 1 FROM invitations i JOIN invitation_tokens t ON t.invitation_id = i.id
        WHERE t.token_hash = app_credential() AND i.consumed_txid = txid_current())));
CREATE POLICY users_update ON users FOR UPDATE USING (app_is_staff() OR id = app_user_id());
CREATE POLICY users_delete ON users FOR DELETE USING (app_role() = 'system');

-- Only the sign-in check opens a session; a session's user or bearer may
-- read it, record its use (the only column the application may update) and
-- end it.
CREATE POLICY sessions_read ON sessions FOR SELECT USING (
    app_role() = 'system' OR user_id = app_user_id() OR token_hash = app_credential());
CREATE POLICY sessions_insert ON sessions FOR INSERT WITH CHECK (app_role() = 'system');
CREATE POLICY sessions_update ON sessions FOR UPDATE USING (
    app_role() = 'system' OR user_id = app_user_id() OR token_hash = app_credential());
CREATE POLICY sessions_delete ON sessions FOR DELETE USING (
    app_role() = 'system' OR user_id = app_user_id() OR token_hash = app_credential());
REVOKE UPDATE ON sessions FROM muster_app;
GRANT UPDATE (last_seen_at) ON sessions TO muster_app;

-- An anonymous actor presenting a registration link's token: its
-- invitation while unused, or used by this very transaction.
-- +goose StatementBegin
CREATE FUNCTION app_link_invitations() RETURNS SETOF uuid
LANGUAGE sql STABLE AS $$
  SELECT i.id FROM invitations i JOIN invitation_tokens t ON t.invitation_id = i.id
  WHERE t.token_hash = app_credential() AND (i.used_at IS NULL OR i.consumed_txid = txid_current())
$$;
-- +goose StatementEnd
GRANT EXECUTE ON FUNCTION app_link_invitations() TO muster_app;

CREATE POLICY candidates_read ON candidates FOR SELECT USING (
    app_is_staff()
    OR (app_role() = 'candidate' AND user_id = app_user_id())
    OR id IN (SELECT i.candidate_id FROM invitations i WHERE i.id IN (SELECT app_link_invitations())));
CREATE POLICY candidates_insert ON candidates FOR INSERT WITH CHECK (app_is_staff());
CREATE POLICY candidates_update ON candidates FOR UPDATE USING (
    app_is_staff()
    OR (app_role() = 'candidate' AND user_id = app_user_id())
    OR id IN (SELECT i.candidate_id FROM invitations i WHERE i.id IN (SELECT app_link_invitations())));
CREATE POLICY candidates_delete ON candidates FOR DELETE USING (app_role() = 'system');

-- A link's holder may read its invitation whatever its state (to be told
-- the link was used), and use it once: the update that uses it must record
-- this transaction as the one that did.
CREATE POLICY invitations_read ON invitations FOR SELECT USING (
    app_is_staff() OR id IN (SELECT t.invitation_id FROM invitation_tokens t WHERE t.token_hash = app_credential()));
CREATE POLICY invitations_insert ON invitations FOR INSERT WITH CHECK (app_is_staff());
CREATE POLICY invitations_update ON invitations FOR UPDATE
    USING (app_is_staff() OR (used_at IS NULL AND id IN (SELECT app_link_invitations())))
    WITH CHECK (app_is_staff() OR (consumed_txid = txid_current() AND id IN (SELECT app_link_invitations())));
CREATE POLICY invitations_delete ON invitations FOR DELETE USING (app_role() = 'system');

ALTER TABLE invitation_tokens ENABLE ROW LEVEL SECURITY;
ALTER TABLE invitation_tokens FORCE ROW LEVEL SECURITY;
CREATE POLICY invitation_tokens_read ON invitation_tokens FOR SELECT USING (
    app_role() = 'system' OR token_hash = app_credential());
CREATE POLICY invitation_tokens_write ON invitation_tokens USING (app_role() = 'system');

-- Consents and journey events are append-only records: visible and
-- writable exactly when their candidate is; changed or removed only by the
-- engine (and by the cascade when an expired invitee is deleted).
CREATE POLICY consents_read ON consents FOR SELECT USING (candidate_id IN (SELECT c.id FROM candidates c));
CREATE POLICY consents_insert ON consents FOR INSERT WITH CHECK (candidate_id IN (SELECT c.id FROM candidates c));
CREATE POLICY consents_engine ON consents USING (app_role() = 'system');

CREATE POLICY journey_events_read ON journey_events FOR SELECT USING (candidate_id IN (SELECT c.id FROM candidates c));
CREATE POLICY journey_events_insert ON journey_events FOR INSERT WITH CHECK (candidate_id IN (SELECT c.id FROM candidates c));
CREATE POLICY journey_events_engine ON journey_events USING (app_role() = 'system');

CREATE POLICY login_events_read ON login_events FOR SELECT USING (app_is_staff() OR user_id = app_user_id());
CREATE POLICY login_events_write ON login_events USING (app_role() = 'system');

ALTER TABLE registration_requests ENABLE ROW LEVEL SECURITY;
ALTER TABLE registration_requests FORCE ROW LEVEL SECURITY;
CREATE POLICY registration_requests_insert ON registration_requests FOR INSERT WITH CHECK (
    app_role() IN ('anonymous', 'system'));
CREATE POLICY registration_requests_engine ON registration_requests USING (app_role() = 'system');

ALTER TABLE workflow_outbox ENABLE ROW LEVEL SECURITY;
ALTER TABLE workflow_outbox FORCE ROW LEVEL SECURITY;
CREATE POLICY workflow_outbox_insert ON workflow_outbox FOR INSERT WITH CHECK (app_role() IS NOT NULL);
CREATE POLICY workflow_outbox_relay ON workflow_outbox USING (app_role() = 'system');

GRANT SELECT, INSERT, UPDATE, DELETE ON invitation_tokens, registration_requests, workflow_outbox TO muster_app;

-- +goose Down
DROP TRIGGER invitations_keep_identity ON invitations;
DROP FUNCTION invitations_keep_identity();
DROP POLICY users_read ON users;
DROP POLICY users_insert ON users;
DROP POLICY users_update ON users;
DROP POLICY users_delete ON users;
DROP POLICY sessions_read ON sessions;
DROP POLICY sessions_insert ON sessions;
DROP POLICY sessions_update ON sessions;
DROP POLICY sessions_delete ON sessions;
GRANT UPDATE ON sessions TO muster_app;
DROP POLICY candidates_read ON candidates;
DROP POLICY candidates_insert ON candidates;
DROP POLICY candidates_update ON candidates;
DROP POLICY candidates_delete ON candidates;
DROP POLICY invitations_read ON invitations;
DROP POLICY invitations_insert ON invitations;
DROP POLICY invitations_update ON invitations;
DROP POLICY invitations_delete ON invitations;
DROP POLICY consents_read ON consents;
DROP POLICY consents_insert ON consents;
DROP POLICY consents_engine ON consents;
DROP POLICY journey_events_read ON journey_events;
DROP POLICY journey_events_insert ON journey_events;
DROP POLICY journey_events_engine ON journey_events;
DROP FUNCTION app_link_invitations();
DROP POLICY login_events_read ON login_events;
DROP POLICY login_events_write ON login_events;
CREATE POLICY users_access ON users USING (app_is_staff() OR id = app_user_id());
CREATE POLICY sessions_access ON sessions USING (app_role() = 'system' OR user_id = app_user_id());
CREATE POLICY candidates_access ON candidates
    USING (app_is_staff() OR (app_role() = 'candidate' AND user_id = app_user_id()));
CREATE POLICY invitations_access ON invitations USING (app_is_staff());
CREATE POLICY consents_access ON consents
    USING (app_is_staff() OR candidate_id IN (SELECT id FROM candidates WHERE user_id = app_user_id()));
CREATE POLICY login_events_access ON login_events USING (app_is_staff() OR user_id = app_user_id());
CREATE POLICY journey_events_access ON journey_events
    USING (app_is_staff() OR candidate_id IN (SELECT id FROM candidates WHERE user_id = app_user_id()));
DROP INDEX login_events_subject_failure_idx, login_events_subject_success_idx, login_events_ip_failure_idx;
DELETE FROM login_events WHERE outcome = 'pending';
ALTER TABLE login_events DROP CONSTRAINT login_events_outcome_check;
ALTER TABLE login_events ADD CONSTRAINT login_events_outcome_check
    CHECK (outcome IN ('success', 'failure', 'throttled'));
ALTER TABLE login_events DROP COLUMN subject;
CREATE INDEX login_events_ip_failure_idx ON login_events (ip, occurred_at) WHERE outcome = 'failure';
CREATE INDEX login_events_user_failure_idx ON login_events (user_id, occurred_at) WHERE outcome = 'failure';
CREATE INDEX login_events_user_success_idx ON login_events (user_id, occurred_at) WHERE outcome = 'success';
DROP TABLE workflow_outbox, registration_requests;
ALTER TABLE invitations DROP COLUMN consumed_txid;
ALTER TABLE invitations ADD COLUMN token_hash bytea UNIQUE, ADD COLUMN sent_at timestamptz;
UPDATE invitations i SET token_hash = t.token_hash, sent_at = t.sent_at
FROM invitation_tokens t WHERE t.invitation_id = i.id AND t.generation = 1;
DROP TABLE invitation_tokens;
DROP FUNCTION app_credential();
COMMENT ON COLUMN invitations.token_hash IS 'class=credential; category=invitation';
COMMENT ON COLUMN invitations.sent_at IS 'class=operational; category=invitation';
