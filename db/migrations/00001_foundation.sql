-- Foundation: accounts, sessions, candidates, invitations, consents, login and
-- journey records. Every column carries 'class=...; category=...' (see
-- DESIGN.md, "The schema is the data inventory"); db tests fail without it.

-- +goose Up

-- The application connects as muster_app: no superuser, no BYPASSRLS, owns no
-- table. Roles are cluster-wide, so this is idempotent across databases.
-- +goose StatementBegin
DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'muster_app') THEN
    CREATE ROLE muster_app LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOINHERIT;
  END IF;
END
$$;
-- +goose StatementEnd

-- Tenant context is set per transaction with set_config(..., true). These read
-- it; an unset or empty setting reads as NULL, which no policy accepts.
-- +goose StatementBegin
CREATE FUNCTION app_role() RETURNS text
LANGUAGE sql STABLE AS $$ SELECT nullif(current_setting('app.role', true), '') $$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION app_user_id() RETURNS uuid
LANGUAGE sql STABLE AS $$ SELECT nullif(current_setting('app.user_id', true), '')::uuid $$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION app_is_staff() RETURNS boolean
LANGUAGE sql STABLE AS $$ SELECT coalesce(app_role() IN ('operator', 'system'), false) $$;
-- +goose StatementEnd

CREATE TABLE users (
    id            uuid PRIMARY KEY,
    role          text NOT NULL CHECK (role IN ('operator', 'candidate')),
    email         text NOT NULL UNIQUE,
    password_hash text NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE users IS 'Accounts that can sign in: programme operators and registered candidates.';
COMMENT ON COLUMN users.id IS 'class=operational; category=account';
COMMENT ON COLUMN users.role IS 'class=operational; category=account';
COMMENT ON COLUMN users.email IS 'class=contact; category=account';
COMMENT ON COLUMN users.password_hash IS 'class=credential; category=account';
COMMENT ON COLUMN users.created_at IS 'class=operational; category=account';
COMMENT ON COLUMN users.updated_at IS 'class=operational; category=account';

CREATE TABLE sessions (
    id           uuid PRIMARY KEY,
    user_id      uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash   bytea NOT NULL UNIQUE,
    created_at   timestamptz NOT NULL,
    last_seen_at timestamptz NOT NULL,
    expires_at   timestamptz NOT NULL
);
CREATE INDEX sessions_user_id_idx ON sessions (user_id);
COMMENT ON TABLE sessions IS 'Signed-in sessions; the bearer token is stored only as its SHA-256.';
COMMENT ON COLUMN sessions.id IS 'class=operational; category=session';
COMMENT ON COLUMN sessions.user_id IS 'class=operational; category=session';
COMMENT ON COLUMN sessions.token_hash IS 'class=credential; category=session';
COMMENT ON COLUMN sessions.created_at IS 'class=operational; category=session';
COMMENT ON COLUMN sessions.last_seen_at IS 'class=operational; category=session';
COMMENT ON COLUMN sessions.expires_at IS 'class=operational; category=session';

CREATE TABLE candidates (
    id              uuid PRIMARY KEY,
    user_id         uuid UNIQUE REFERENCES users (id) ON DELETE SET NULL,
    status          text NOT NULL CHECK (status IN ('invited', 'registered', 'withdrawn', 'placed', 'anonymised')),
    first_name      text,
    last_name       text,
    phone           text,
    date_of_birth   date,
    connection      text,
    skills          text[] NOT NULL DEFAULT '{}',
    job_preferences text,
    region          text,
    heard_about     text,
    invited_at      timestamptz NOT NULL,
    registered_at   timestamptz,
    updated_at      timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE candidates IS 'Members of the Armed Forces community on the programme, from invitation to ghost record.';
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

CREATE TABLE invitations (
    id           uuid PRIMARY KEY,
    candidate_id uuid NOT NULL REFERENCES candidates (id) ON DELETE CASCADE,
    kind         text NOT NULL CHECK (kind IN ('operator', 'self')),
    email        text,
    token_hash   bytea UNIQUE,
    invited_by   uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at   timestamptz NOT NULL,
    expires_at   timestamptz NOT NULL,
    sent_at      timestamptz,
    used_at      timestamptz,
    CHECK ((used_at IS NULL) = (email IS NOT NULL))
);
CREATE UNIQUE INDEX invitations_pending_email_key ON invitations (email) WHERE used_at IS NULL;
CREATE INDEX invitations_candidate_id_idx ON invitations (candidate_id);
COMMENT ON TABLE invitations IS 'Single-use registration links. The email is wiped when the link is used; the whole row goes when the window passes.';
COMMENT ON COLUMN invitations.id IS 'class=operational; category=invitation';
COMMENT ON COLUMN invitations.candidate_id IS 'class=operational; category=invitation';
COMMENT ON COLUMN invitations.kind IS 'class=operational; category=invitation';
COMMENT ON COLUMN invitations.email IS 'class=contact; category=invitation';
COMMENT ON COLUMN invitations.token_hash IS 'class=credential; category=invitation';
COMMENT ON COLUMN invitations.invited_by IS 'class=operational; category=invitation';
COMMENT ON COLUMN invitations.created_at IS 'class=operational; category=invitation';
COMMENT ON COLUMN invitations.expires_at IS 'class=operational; category=invitation';
COMMENT ON COLUMN invitations.sent_at IS 'class=operational; category=invitation';
COMMENT ON COLUMN invitations.used_at IS 'class=operational; category=invitation';

CREATE TABLE consent_texts (
    version      text PRIMARY KEY,
    purpose      text NOT NULL CHECK (purpose IN ('share_with_organisations')),
    body         text NOT NULL,
    published_at timestamptz NOT NULL
);
COMMENT ON TABLE consent_texts IS 'Every version of every consent wording ever shown, so a consent can be read back as it was given.';
COMMENT ON COLUMN consent_texts.version IS 'class=operational; category=reference';
COMMENT ON COLUMN consent_texts.purpose IS 'class=operational; category=reference';
COMMENT ON COLUMN consent_texts.body IS 'class=operational; category=reference';
COMMENT ON COLUMN consent_texts.published_at IS 'class=operational; category=reference';

INSERT INTO consent_texts (version, purpose, body, published_at) VALUES (
    '2026-11-share-v1', 'share_with_organisations',
    'I agree that the pledged NHS organisations I choose may see my profile (my name, contact details, skills, job preferences, region and connection to the Armed Forces community), contact me through the system and record the support they give me. I can withdraw this consent at any time; my record then stops being shared.',
    '2026-11-01T00:00:00Z');

CREATE TABLE consents (
    id           uuid PRIMARY KEY,
    candidate_id uuid NOT NULL REFERENCES candidates (id) ON DELETE CASCADE,
    text_version text NOT NULL REFERENCES consent_texts (version),
    given        boolean NOT NULL,
    method       text NOT NULL CHECK (method IN ('registration_form', 'profile_update')),
    recorded_at  timestamptz NOT NULL
);
CREATE INDEX consents_candidate_id_idx ON consents (candidate_id, recorded_at);
COMMENT ON TABLE consents IS 'Append-only: each consent given or withdrawn, with the wording version and how it was given.';
COMMENT ON COLUMN consents.id IS 'class=operational; category=consent';
COMMENT ON COLUMN consents.candidate_id IS 'class=operational; category=consent';
COMMENT ON COLUMN consents.text_version IS 'class=operational; category=consent';
COMMENT ON COLUMN consents.given IS 'class=operational; category=consent';
COMMENT ON COLUMN consents.method IS 'class=operational; category=consent';
COMMENT ON COLUMN consents.recorded_at IS 'class=operational; category=consent';

CREATE TABLE login_events (
    id          uuid PRIMARY KEY,
    user_id     uuid REFERENCES users (id) ON DELETE SET NULL,
    outcome     text NOT NULL CHECK (outcome IN ('success', 'failure')),
    ip          text NOT NULL,
    user_agent  text NOT NULL,
    occurred_at timestamptz NOT NULL
);
CREATE INDEX login_events_user_id_idx ON login_events (user_id, occurred_at);
COMMENT ON TABLE login_events IS 'Every sign-in attempt, successful or not: the chronological login audit trail.';
COMMENT ON COLUMN login_events.id IS 'class=operational; category=login_record';
COMMENT ON COLUMN login_events.user_id IS 'class=operational; category=login_record';
COMMENT ON COLUMN login_events.outcome IS 'class=operational; category=login_record';
COMMENT ON COLUMN login_events.ip IS 'class=identifying; category=login_record';
COMMENT ON COLUMN login_events.user_agent IS 'class=operational; category=login_record';
COMMENT ON COLUMN login_events.occurred_at IS 'class=operational; category=login_record';

CREATE TABLE journey_events (
    id           uuid PRIMARY KEY,
    candidate_id uuid NOT NULL REFERENCES candidates (id) ON DELETE CASCADE,
    type         text NOT NULL,
    from_status  text,
    to_status    text NOT NULL,
    actor_id     uuid,
    occurred_at  timestamptz NOT NULL
);
CREATE INDEX journey_events_candidate_id_idx ON journey_events (candidate_id, occurred_at);
COMMENT ON TABLE journey_events IS 'Append-only: every state change of a candidate journey, written in the transaction that made it.';
COMMENT ON COLUMN journey_events.id IS 'class=operational; category=reporting';
COMMENT ON COLUMN journey_events.candidate_id IS 'class=operational; category=reporting';
COMMENT ON COLUMN journey_events.type IS 'class=anonymous; category=reporting';
COMMENT ON COLUMN journey_events.from_status IS 'class=anonymous; category=reporting';
COMMENT ON COLUMN journey_events.to_status IS 'class=anonymous; category=reporting';
COMMENT ON COLUMN journey_events.actor_id IS 'class=operational; category=reporting';
COMMENT ON COLUMN journey_events.occurred_at IS 'class=operational; category=reporting';

CREATE TABLE expired_invitation_counts (
    month   date NOT NULL,
    kind    text NOT NULL CHECK (kind IN ('operator', 'self')),
    expired integer NOT NULL DEFAULT 0,
    PRIMARY KEY (month, kind)
);
COMMENT ON TABLE expired_invitation_counts IS 'What survives an expired invitation: a count per month, nothing about the person.';
COMMENT ON COLUMN expired_invitation_counts.month IS 'class=anonymous; category=statistics';
COMMENT ON COLUMN expired_invitation_counts.kind IS 'class=anonymous; category=statistics';
COMMENT ON COLUMN expired_invitation_counts.expired IS 'class=anonymous; category=statistics';

-- Row-level security: on and forced everywhere, so even a query that forgets
-- its WHERE clause sees only what the transaction's context allows, and a
-- transaction with no context sees nothing.
ALTER TABLE users ENABLE ROW LEVEL SECURITY;
ALTER TABLE users FORCE ROW LEVEL SECURITY;
CREATE POLICY users_access ON users
    USING (app_is_staff() OR id = app_user_id());

ALTER TABLE sessions ENABLE ROW LEVEL SECURITY;
ALTER TABLE sessions FORCE ROW LEVEL SECURITY;
CREATE POLICY sessions_access ON sessions
    USING (app_role() = 'system' OR user_id = app_user_id());

ALTER TABLE candidates ENABLE ROW LEVEL SECURITY;
ALTER TABLE candidates FORCE ROW LEVEL SECURITY;
CREATE POLICY candidates_access ON candidates
    USING (app_is_staff() OR (app_role() = 'candidate' AND user_id = app_user_id()));

ALTER TABLE invitations ENABLE ROW LEVEL SECURITY;
ALTER TABLE invitations FORCE ROW LEVEL SECURITY;
CREATE POLICY invitations_access ON invitations
    USING (app_is_staff());

ALTER TABLE consent_texts ENABLE ROW LEVEL SECURITY;
ALTER TABLE consent_texts FORCE ROW LEVEL SECURITY;
CREATE POLICY consent_texts_read ON consent_texts FOR SELECT
    USING (app_role() IS NOT NULL);
CREATE POLICY consent_texts_write ON consent_texts
    USING (app_is_staff());

ALTER TABLE consents ENABLE ROW LEVEL SECURITY;
ALTER TABLE consents FORCE ROW LEVEL SECURITY;
CREATE POLICY consents_access ON consents
    USING (app_is_staff() OR candidate_id IN (SELECT id FROM candidates WHERE user_id = app_user_id()));

ALTER TABLE login_events ENABLE ROW LEVEL SECURITY;
ALTER TABLE login_events FORCE ROW LEVEL SECURITY;
CREATE POLICY login_events_access ON login_events
    USING (app_is_staff() OR user_id = app_user_id());

ALTER TABLE journey_events ENABLE ROW LEVEL SECURITY;
ALTER TABLE journey_events FORCE ROW LEVEL SECURITY;
CREATE POLICY journey_events_access ON journey_events
    USING (app_is_staff() OR candidate_id IN (SELECT id FROM candidates WHERE user_id = app_user_id()));

ALTER TABLE expired_invitation_counts ENABLE ROW LEVEL SECURITY;
ALTER TABLE expired_invitation_counts FORCE ROW LEVEL SECURITY;
CREATE POLICY expired_invitation_counts_access ON expired_invitation_counts
    USING (app_is_staff());

GRANT USAGE ON SCHEMA public TO muster_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON
    users, sessions, candidates, invitations, consents, login_events,
    journey_events, expired_invitation_counts TO muster_app;
GRANT SELECT ON consent_texts TO muster_app;
GRANT EXECUTE ON FUNCTION app_role(), app_user_id(), app_is_staff() TO muster_app;

-- +goose Down
DROP TABLE expired_invitation_counts, journey_events, login_events, consents,
    consent_texts, invitations, candidates, sessions, users;
DROP FUNCTION app_is_staff(), app_user_id(), app_role();
