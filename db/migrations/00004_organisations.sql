-- Organisations and their people: pledged NHS organisations, their signed
-- data-sharing agreements, accounts for their users (org_admin, org_user)
-- scoped to the organisation by row-level security on app.org_id, the
-- invitations that create those accounts, the code of conduct they accept,
-- and the hash-chained audit trail of every administrative act.

-- +goose Up

-- The caller's organisation, set by the one transaction seam for the org
-- roles; NULL for everyone else.
-- +goose StatementBegin
CREATE FUNCTION app_org_id() RETURNS uuid
LANGUAGE sql STABLE AS $$ SELECT nullif(current_setting('app.org_id', true), '')::uuid $$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE FUNCTION app_in_org(org uuid) RETURNS boolean
LANGUAGE sql STABLE AS $$ SELECT coalesce(app_role() IN ('org_admin', 'org_user') AND org = app_org_id(), false) $$;
-- +goose StatementEnd
GRANT EXECUTE ON FUNCTION app_org_id(), app_in_org(uuid) TO muster_app;

CREATE TABLE organisations (
    id                  uuid PRIMARY KEY,
    name                text NOT NULL,
    type                text NOT NULL CHECK (type IN ('trust', 'health_board', 'integrated_care_board', 'other')),
    region              text NOT NULL,
    pledged_on          date,
    active              boolean NOT NULL DEFAULT true,
    mailbox             text,
    mailbox_verified_at timestamptz,
    onboarding          text NOT NULL DEFAULT 'not_started'
                        CHECK (onboarding IN ('not_started', 'inviting', 'completed', 'escalated')),
    created_at          timestamptz NOT NULL,
    updated_at          timestamptz NOT NULL,
    CHECK (mailbox_verified_at IS NULL OR mailbox IS NOT NULL)
);
CREATE UNIQUE INDEX organisations_name_key ON organisations (lower(name));
CREATE INDEX organisations_onboarding_idx ON organisations (onboarding) WHERE onboarding <> 'completed';
COMMENT ON TABLE organisations IS 'NHS employers on the programme: who they are, whether they pledged, their group mailbox and onboarding.';
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

-- The public face of the organisations: what anyone may see of the active,
-- pledged ones. The view runs with its owner's rights, so nobody needs to
-- be able to read the organisations table itself to list them.
CREATE VIEW pledged_organisations AS
    SELECT id, name, type, region FROM organisations
    WHERE active AND pledged_on IS NOT NULL;
GRANT SELECT ON pledged_organisations TO muster_app;

-- Versions of the data-sharing agreement, and whether the operator still
-- accepts each.
CREATE TABLE agreement_versions (
    version    text PRIMARY KEY,
    added_at   timestamptz NOT NULL,
    retired_at timestamptz
);
COMMENT ON TABLE agreement_versions IS 'Versions of the data-sharing agreement; a retired version no longer lets an organisation work.';
COMMENT ON COLUMN agreement_versions.version IS 'class=operational; category=reference';
COMMENT ON COLUMN agreement_versions.added_at IS 'class=operational; category=reference';
COMMENT ON COLUMN agreement_versions.retired_at IS 'class=operational; category=reference';
INSERT INTO agreement_versions (version, added_at) VALUES ('2026-dsa-v1', '2026-11-01T00:00:00Z');

-- Signed agreements: never changed, never removed; a new one is recorded.
CREATE TABLE org_agreements (
    id              uuid PRIMARY KEY,
    org_id          uuid NOT NULL REFERENCES organisations (id),
    version         text NOT NULL REFERENCES agreement_versions (version),
    signed_name     text NOT NULL,
    signatory_name  text NOT NULL,
    signatory_role  text NOT NULL,
    signed_on       date NOT NULL,
    document        bytea,
    document_sha256 bytea,
    document_type   text,
    recorded_at     timestamptz NOT NULL,
    recorded_by     uuid REFERENCES users (id) ON DELETE SET NULL,
    CHECK ((document IS NULL) = (document_sha256 IS NULL) AND (document IS NULL) = (document_type IS NULL))
);
CREATE INDEX org_agreements_org_idx ON org_agreements (org_id, signed_on DESC, recorded_at DESC);
COMMENT ON TABLE org_agreements IS 'Signed data-sharing agreements, append-only: an organisation works only while its latest one names it as it is now, in an accepted version.';
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

-- Accounts gain the organisation roles. An org user belongs to exactly one
-- organisation; a disabled account cannot sign in and has no sessions.
ALTER TABLE users DROP CONSTRAINT users_role_check;
ALTER TABLE users ADD CONSTRAINT users_role_check CHECK (role IN ('operator', 'org_admin', 'org_user', 'candidate'));
ALTER TABLE users ADD COLUMN org_id uuid REFERENCES organisations (id),
    ADD COLUMN name text,
    ADD COLUMN disabled_at timestamptz;
ALTER TABLE users ADD CONSTRAINT users_org_check CHECK ((role IN ('org_admin', 'org_user')) = (org_id IS NOT NULL));
CREATE INDEX users_org_idx ON users (org_id, role) WHERE org_id IS NOT NULL;
COMMENT ON COLUMN users.org_id IS 'class=operational; category=account';
COMMENT ON COLUMN users.name IS 'class=identifying; category=account';
COMMENT ON COLUMN users.disabled_at IS 'class=operational; category=account';

-- Only the programme (operator, engine) changes who an account is; an
-- organisation's admin may move its users between the organisation's two
-- roles and disable or re-enable them; a person may change only their own
-- password and name.
-- +goose StatementBegin
CREATE FUNCTION users_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF app_is_staff() THEN
    RETURN NEW;
  END IF;
  IF NEW.id <> OLD.id OR NEW.org_id IS DISTINCT FROM OLD.org_id OR NEW.email <> OLD.email
     OR NEW.created_at <> OLD.created_at THEN
    RAISE EXCEPTION 'only the programme can change an account''s organisation or address'
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF (NEW.role <> OLD.role OR NEW.disabled_at IS DISTINCT FROM OLD.disabled_at)
     AND NOT (app_role() = 'org_admin' AND app_in_org(OLD.org_id)
              AND OLD.role IN ('org_admin', 'org_user') AND NEW.role IN ('org_admin', 'org_user')) THEN
    RAISE EXCEPTION 'only an administrator of the organisation can change its users'' roles or disable them'
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NEW;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER users_guard BEFORE UPDATE ON users FOR EACH ROW EXECUTE FUNCTION users_guard();

-- Invitations to an organisation account: the onboarding invitation of the
-- initial administrator (sent by the OrgOnboarding workflow) and an admin's
-- invitations of colleagues. The name and address are wiped when the
-- invitation is used or expires.
CREATE TABLE account_invitations (
    id            uuid PRIMARY KEY,
    org_id        uuid NOT NULL REFERENCES organisations (id),
    kind          text NOT NULL CHECK (kind IN ('onboarding', 'colleague')),
    role          text NOT NULL CHECK (role IN ('org_admin', 'org_user')),
    name          text,
    email         text,
    invited_by    uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at    timestamptz NOT NULL,
    expires_at    timestamptz NOT NULL,
    used_at       timestamptz,
    expired_at    timestamptz,
    user_id       uuid REFERENCES users (id) ON DELETE SET NULL,
    consumed_txid bigint,
    CHECK ((used_at IS NULL AND expired_at IS NULL) = (email IS NOT NULL)),
    CHECK ((email IS NULL) = (name IS NULL))
);
CREATE UNIQUE INDEX account_invitations_open_email_key ON account_invitations (org_id, email) WHERE email IS NOT NULL;
CREATE INDEX account_invitations_org_idx ON account_invitations (org_id, created_at);
COMMENT ON TABLE account_invitations IS 'Single-use invitations to an organisation account; name and address are wiped once used or expired.';
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

CREATE TABLE account_invitation_tokens (
    token_hash    bytea PRIMARY KEY,
    invitation_id uuid NOT NULL REFERENCES account_invitations (id) ON DELETE CASCADE,
    purpose       text NOT NULL CHECK (purpose IN ('invitation', 'reminder')),
    created_at    timestamptz NOT NULL,
    sent_at       timestamptz,
    UNIQUE (invitation_id, purpose)
);
COMMENT ON TABLE account_invitation_tokens IS 'Links to an account invitation (the invitation, and the reminder), stored only as the SHA-256 of their token.';
COMMENT ON COLUMN account_invitation_tokens.token_hash IS 'class=credential; category=invitation';
COMMENT ON COLUMN account_invitation_tokens.invitation_id IS 'class=operational; category=invitation';
COMMENT ON COLUMN account_invitation_tokens.purpose IS 'class=operational; category=invitation';
COMMENT ON COLUMN account_invitation_tokens.created_at IS 'class=operational; category=invitation';
COMMENT ON COLUMN account_invitation_tokens.sent_at IS 'class=operational; category=invitation';

-- What an account invitation is (whose organisation, which role, what
-- kind, for how long, from whom) never changes; only its use does, and the
-- account it made is recorded once.
-- +goose StatementBegin
CREATE FUNCTION account_invitations_keep_identity() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.id <> OLD.id OR NEW.org_id <> OLD.org_id OR NEW.kind <> OLD.kind OR NEW.role <> OLD.role
     OR NEW.created_at <> OLD.created_at OR NEW.expires_at <> OLD.expires_at
     OR NEW.invited_by IS DISTINCT FROM OLD.invited_by
     OR (OLD.user_id IS NOT NULL AND NEW.user_id IS DISTINCT FROM OLD.user_id) THEN
    RAISE EXCEPTION 'an account invitation''s organisation, role, kind, window and inviter cannot change'
      USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  RETURN NEW;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER account_invitations_keep_identity BEFORE UPDATE ON account_invitations
    FOR EACH ROW EXECUTE FUNCTION account_invitations_keep_identity();

-- An anonymous actor presenting an account invitation's token: its
-- invitation while open, or used by this very transaction.
-- +goose StatementBegin
CREATE FUNCTION app_link_account_invitations() RETURNS SETOF uuid
LANGUAGE sql STABLE AS $$
  SELECT i.id FROM account_invitations i JOIN account_invitation_tokens t ON t.invitation_id = i.id
  WHERE t.token_hash = app_credential()
    AND ((i.used_at IS NULL AND i.expired_at IS NULL) OR i.consumed_txid = txid_current())
$$;
-- +goose StatementEnd
GRANT EXECUTE ON FUNCTION app_link_account_invitations() TO muster_app;

-- The code of conduct, every version ever shown, and who accepted which.
CREATE TABLE conduct_texts (
    version      text PRIMARY KEY,
    body         text NOT NULL,
    published_at timestamptz NOT NULL
);
COMMENT ON TABLE conduct_texts IS 'Every version of the code of conduct; the newest is the one to accept.';
COMMENT ON COLUMN conduct_texts.version IS 'class=operational; category=reference';
COMMENT ON COLUMN conduct_texts.body IS 'class=operational; category=reference';
COMMENT ON COLUMN conduct_texts.published_at IS 'class=operational; category=reference';

CREATE TABLE conduct_acceptances (
    user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    version     text NOT NULL REFERENCES conduct_texts (version),
    accepted_at timestamptz NOT NULL,
    PRIMARY KEY (user_id, version)
);
COMMENT ON TABLE conduct_acceptances IS 'Append-only: which version of the code of conduct each organisation user accepted, and when.';
COMMENT ON COLUMN conduct_acceptances.user_id IS 'class=operational; category=account';
COMMENT ON COLUMN conduct_acceptances.version IS 'class=operational; category=account';
COMMENT ON COLUMN conduct_acceptances.accepted_at IS 'class=operational; category=account';

-- The audit trail. Each row carries the SHA-256 of the previous row's hash
-- and its own fields (sim.AuditHash documents the exact form), computed
-- here by a trigger that serialises writers, so concurrent transactions
-- never fork the chain, and that takes who acted from the transaction's
-- own context rather than from the caller. IDs only: nothing here is
-- personal data beyond the address a request came from.
CREATE TABLE audit_events (
    seq          bigint PRIMARY KEY,
    occurred_at  timestamptz NOT NULL,
    actor_id     uuid,
    actor_role   text NOT NULL,
    actor_org_id uuid,
    action       text NOT NULL,
    object_type  text NOT NULL,
    object_id    uuid NOT NULL,
    org_id       uuid,
    ip           text NOT NULL DEFAULT '',
    prev_hash    bytea NOT NULL,
    hash         bytea NOT NULL
);
CREATE INDEX audit_events_actor_idx ON audit_events (actor_id, seq);
CREATE INDEX audit_events_org_idx ON audit_events (org_id, seq);
CREATE INDEX audit_events_object_idx ON audit_events (object_id, seq);
CREATE INDEX audit_events_time_idx ON audit_events (occurred_at, seq);
COMMENT ON TABLE audit_events IS 'Append-only, hash-chained record of every administrative act: who, what, when, from where; IDs only.';
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

-- +goose StatementBegin
CREATE FUNCTION audit_event_hash(prev bytea, e audit_events) RETURNS bytea
LANGUAGE sql IMMUTABLE AS $$
  SELECT sha256(prev || convert_to(concat_ws('|',
    e.seq::text,
    (extract(epoch FROM e.occurred_at) * 1000000)::bigint::text,
    coalesce(e.actor_id::text, ''), e.actor_role, coalesce(e.actor_org_id::text, ''),
    e.action, e.object_type, e.object_id::text, coalesce(e.org_id::text, ''), e.ip), 'UTF8'))
$$;
-- +goose StatementEnd

-- Runs with the rights of the table's owner: it must see the chain's last
-- row whoever is writing, and row-level security would hide it from them.
-- Read committed only: each statement here must see the writer that held
-- the lock before this one, which a repeatable-read snapshot would not.
-- +goose StatementBegin
CREATE FUNCTION audit_events_chain() RETURNS trigger
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
CREATE TRIGGER audit_events_chain BEFORE INSERT ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_chain();

-- +goose StatementBegin
CREATE FUNCTION audit_events_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'the audit trail is append-only: % is not allowed', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END
$$;
-- +goose StatementEnd
CREATE TRIGGER audit_events_no_update BEFORE UPDATE OR DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_refuse_change();
CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
    FOR EACH STATEMENT EXECUTE FUNCTION audit_events_refuse_change();

-- Verifying an organisation's group mailbox: a link sent to the address
-- proves that the organisation can read it before anything is sent there.
CREATE TABLE mailbox_verifications (
    id            uuid PRIMARY KEY,
    org_id        uuid NOT NULL REFERENCES organisations (id),
    email         text NOT NULL,
    token_hash    bytea UNIQUE,
    created_at    timestamptz NOT NULL,
    expires_at    timestamptz NOT NULL,
    sent_at       timestamptz,
    used_at       timestamptz,
    consumed_txid bigint
);
CREATE INDEX mailbox_verifications_org_idx ON mailbox_verifications (org_id, created_at);
COMMENT ON TABLE mailbox_verifications IS 'Links that verify an organisation''s group mailbox, stored only as the SHA-256 of their token.';
COMMENT ON COLUMN mailbox_verifications.id IS 'class=operational; category=organisation';
COMMENT ON COLUMN mailbox_verifications.org_id IS 'class=operational; category=organisation';
COMMENT ON COLUMN mailbox_verifications.email IS 'class=contact; category=organisation';
COMMENT ON COLUMN mailbox_verifications.token_hash IS 'class=credential; category=organisation';
COMMENT ON COLUMN mailbox_verifications.created_at IS 'class=operational; category=organisation';
COMMENT ON COLUMN mailbox_verifications.expires_at IS 'class=operational; category=organisation';
COMMENT ON COLUMN mailbox_verifications.sent_at IS 'class=operational; category=organisation';
COMMENT ON COLUMN mailbox_verifications.used_at IS 'class=operational; category=organisation';
COMMENT ON COLUMN mailbox_verifications.consumed_txid IS 'class=operational; category=organisation';

-- The organisation whose mailbox the presented link verifies, in the
-- transaction that uses the link.
-- +goose StatementBegin
CREATE FUNCTION app_link_mailbox_orgs() RETURNS SETOF uuid
LANGUAGE sql STABLE AS $$
  SELECT v.org_id FROM mailbox_verifications v
  WHERE v.token_hash = app_credential() AND v.consumed_txid = txid_current()
$$;
-- +goose StatementEnd
GRANT EXECUTE ON FUNCTION app_link_mailbox_orgs() TO muster_app;

-- A link's holder may only use it: whose and which address never change.
-- +goose StatementBegin
CREATE FUNCTION mailbox_verifications_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF app_role() = 'system' THEN
    RETURN NEW;
  END IF;
  IF NEW.id <> OLD.id OR NEW.org_id <> OLD.org_id OR NEW.email <> OLD.email
     OR NEW.token_hash IS DISTINCT FROM OLD.token_hash OR NEW.created_at <> OLD.created_at
     OR NEW.expires_at <> OLD.expires_at OR NEW.sent_at IS DISTINCT FROM OLD.sent_at
     OR OLD.used_at IS NOT NULL THEN
    RAISE EXCEPTION 'a mailbox verification link can only be used'
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NEW;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER mailbox_verifications_guard BEFORE UPDATE ON mailbox_verifications
    FOR EACH ROW EXECUTE FUNCTION mailbox_verifications_guard();
ALTER TABLE mailbox_verifications ENABLE ROW LEVEL SECURITY;
ALTER TABLE mailbox_verifications FORCE ROW LEVEL SECURITY;
CREATE POLICY mailbox_verifications_read ON mailbox_verifications FOR SELECT USING (
    app_is_staff() OR (app_role() = 'org_admin' AND app_in_org(org_id))
    OR (token_hash IS NOT NULL AND token_hash = app_credential()));
CREATE POLICY mailbox_verifications_insert ON mailbox_verifications FOR INSERT WITH CHECK (
    app_is_staff() OR (app_role() = 'org_admin' AND app_in_org(org_id)));
CREATE POLICY mailbox_verifications_use ON mailbox_verifications FOR UPDATE
    USING (app_role() = 'system' OR (token_hash = app_credential() AND used_at IS NULL))
    WITH CHECK (app_role() = 'system' OR (token_hash = app_credential() AND consumed_txid = txid_current()));
CREATE POLICY mailbox_verifications_engine ON mailbox_verifications FOR DELETE USING (app_role() = 'system');
GRANT SELECT, INSERT, UPDATE, DELETE ON mailbox_verifications TO muster_app;

-- Row-level security for everything new, and the policies that change now
-- that organisations have people.
ALTER TABLE organisations ENABLE ROW LEVEL SECURITY;
ALTER TABLE organisations FORCE ROW LEVEL SECURITY;
CREATE POLICY organisations_read ON organisations FOR SELECT USING (
    app_is_staff() OR app_in_org(id) OR id IN (SELECT app_link_mailbox_orgs()));
CREATE POLICY organisations_insert ON organisations FOR INSERT WITH CHECK (app_is_staff());
CREATE POLICY organisations_update ON organisations FOR UPDATE
    USING (app_is_staff() OR (app_role() = 'org_admin' AND app_in_org(id))
           OR id IN (SELECT app_link_mailbox_orgs()));
CREATE POLICY organisations_delete ON organisations FOR DELETE USING (app_role() = 'system');

-- An organisation's admin may change its group mailbox and nothing else.
-- +goose StatementBegin
CREATE FUNCTION organisations_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF app_is_staff() THEN
    RETURN NEW;
  END IF;
  IF NEW.id <> OLD.id OR NEW.name <> OLD.name OR NEW.type <> OLD.type OR NEW.region <> OLD.region
     OR NEW.pledged_on IS DISTINCT FROM OLD.pledged_on OR NEW.active <> OLD.active
     OR NEW.onboarding <> OLD.onboarding OR NEW.created_at <> OLD.created_at THEN
    RAISE EXCEPTION 'only the programme can change an organisation''s details'
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF app_role() = 'anonymous' AND (NEW.mailbox IS DISTINCT FROM OLD.mailbox OR NEW.mailbox_verified_at IS NULL) THEN
    RAISE EXCEPTION 'a mailbox verification link can only verify the mailbox it was sent to'
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NEW;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER organisations_guard BEFORE UPDATE ON organisations
    FOR EACH ROW EXECUTE FUNCTION organisations_guard();

ALTER TABLE agreement_versions ENABLE ROW LEVEL SECURITY;
ALTER TABLE agreement_versions FORCE ROW LEVEL SECURITY;
CREATE POLICY agreement_versions_read ON agreement_versions FOR SELECT USING (app_role() IS NOT NULL);
CREATE POLICY agreement_versions_write ON agreement_versions USING (app_is_staff());

ALTER TABLE org_agreements ENABLE ROW LEVEL SECURITY;
ALTER TABLE org_agreements FORCE ROW LEVEL SECURITY;
CREATE POLICY org_agreements_read ON org_agreements FOR SELECT USING (app_is_staff() OR app_in_org(org_id));
CREATE POLICY org_agreements_insert ON org_agreements FOR INSERT WITH CHECK (app_is_staff());
CREATE POLICY org_agreements_engine ON org_agreements USING (app_role() = 'system');

-- Users: an organisation's people see each other; its admin changes them.
DROP POLICY users_read ON users;
DROP POLICY users_insert ON users;
DROP POLICY users_update ON users;
CREATE POLICY users_read ON users FOR SELECT USING (
    app_is_staff() OR id = app_user_id() OR app_in_org(org_id)
    OR id IN (SELECT s.user_id FROM sessions s WHERE s.token_hash = app_credential()));
-- A link's holder may create one account, in the transaction that uses the
-- link: a candidate's with a registration link, an organisation user's, in
-- the invitation's organisation and role, with an account invitation.
CREATE POLICY users_insert ON users FOR INSERT WITH CHECK (
    app_is_staff()
    OR (app_role() = 'anonymous' AND role = 'candidate' AND EXISTS (
        SELECT 1 FROM invitations i JOIN invitation_tokens t ON t.invitation_id = i.id
        WHERE t.token_hash = app_credential() AND i.consumed_txid = txid_current()))
    OR (app_role() = 'anonymous' AND EXISTS (
        SELECT 1 FROM account_invitations i JOIN account_invitation_tokens t ON t.invitation_id = i.id
        WHERE t.token_hash = app_credential() AND i.consumed_txid = txid_current()
          AND i.org_id = users.org_id AND i.role = users.role)));
CREATE POLICY users_update ON users FOR UPDATE
    USING (app_is_staff() OR id = app_user_id() OR (app_role() = 'org_admin' AND app_in_org(org_id)))
    WITH CHECK (app_is_staff() OR id = app_user_id() OR (app_role() = 'org_admin' AND app_in_org(org_id)));

-- An organisation's admin ends the sessions of the users they disable.
-- The accounts of the caller's organisation, read with the owner's rights:
-- a sessions policy that read users under users' own policy (which reads
-- sessions) would recurse.
-- +goose StatementBegin
CREATE FUNCTION app_org_admin_reach() RETURNS SETOF uuid
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT u.id FROM users u WHERE app_role() = 'org_admin' AND u.org_id = app_org_id()
$$;
-- +goose StatementEnd
GRANT EXECUTE ON FUNCTION app_org_admin_reach() TO muster_app;
DROP POLICY sessions_read ON sessions;
DROP POLICY sessions_delete ON sessions;
CREATE POLICY sessions_read ON sessions FOR SELECT USING (
    app_role() = 'system' OR user_id = app_user_id() OR token_hash = app_credential()
    OR user_id IN (SELECT app_org_admin_reach()));
CREATE POLICY sessions_delete ON sessions FOR DELETE USING (
    app_role() = 'system' OR user_id = app_user_id() OR token_hash = app_credential()
    OR user_id IN (SELECT app_org_admin_reach()));

ALTER TABLE account_invitations ENABLE ROW LEVEL SECURITY;
ALTER TABLE account_invitations FORCE ROW LEVEL SECURITY;
CREATE POLICY account_invitations_read ON account_invitations FOR SELECT USING (
    app_is_staff() OR (app_role() = 'org_admin' AND app_in_org(org_id))
    OR id IN (SELECT t.invitation_id FROM account_invitation_tokens t WHERE t.token_hash = app_credential()));
CREATE POLICY account_invitations_insert ON account_invitations FOR INSERT WITH CHECK (
    app_is_staff() OR (app_role() = 'org_admin' AND app_in_org(org_id) AND kind = 'colleague'));
CREATE POLICY account_invitations_update ON account_invitations FOR UPDATE
    USING (app_is_staff() OR (app_role() = 'org_admin' AND app_in_org(org_id))
           OR ((used_at IS NULL OR consumed_txid = txid_current()) AND id IN (SELECT app_link_account_invitations())))
    WITH CHECK (app_is_staff() OR (app_role() = 'org_admin' AND app_in_org(org_id))
           OR (consumed_txid = txid_current() AND id IN (SELECT app_link_account_invitations())));
CREATE POLICY account_invitations_delete ON account_invitations FOR DELETE USING (app_role() = 'system');

ALTER TABLE account_invitation_tokens ENABLE ROW LEVEL SECURITY;
ALTER TABLE account_invitation_tokens FORCE ROW LEVEL SECURITY;
CREATE POLICY account_invitation_tokens_read ON account_invitation_tokens FOR SELECT USING (
    app_role() = 'system' OR token_hash = app_credential());
CREATE POLICY account_invitation_tokens_write ON account_invitation_tokens USING (app_role() = 'system');

ALTER TABLE conduct_texts ENABLE ROW LEVEL SECURITY;
ALTER TABLE conduct_texts FORCE ROW LEVEL SECURITY;
CREATE POLICY conduct_texts_read ON conduct_texts FOR SELECT USING (app_role() IS NOT NULL);
CREATE POLICY conduct_texts_write ON conduct_texts USING (app_role() = 'system');

ALTER TABLE conduct_acceptances ENABLE ROW LEVEL SECURITY;
ALTER TABLE conduct_acceptances FORCE ROW LEVEL SECURITY;
CREATE POLICY conduct_acceptances_read ON conduct_acceptances FOR SELECT USING (app_is_staff() OR user_id = app_user_id());
CREATE POLICY conduct_acceptances_insert ON conduct_acceptances FOR INSERT WITH CHECK (
    user_id = app_user_id() AND app_role() IN ('org_admin', 'org_user'));
CREATE POLICY conduct_acceptances_engine ON conduct_acceptances USING (app_role() = 'system');

ALTER TABLE audit_events ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_events FORCE ROW LEVEL SECURITY;
CREATE POLICY audit_events_read ON audit_events FOR SELECT USING (app_is_staff());
-- An anonymous actor audits only what a link they hold let them do.
CREATE POLICY audit_events_insert ON audit_events FOR INSERT WITH CHECK (
    app_role() IS NOT NULL AND (app_role() <> 'anonymous' OR app_credential() IS NOT NULL));

-- The functions and the view that run with their owner's rights (the
-- audit chain's trigger, the public list, an admin's reach) must see every
-- row even where the owner is not a superuser and row-level security is
-- forced on it too, as on a managed Postgres, whoever owns them now. So
-- these tables are readable in full by any role but the application's
-- (which owns nothing and is never the current user inside them); grants
-- keep every other role out.
CREATE POLICY audit_events_owner ON audit_events FOR SELECT USING (current_user <> 'muster_app');
CREATE POLICY organisations_owner ON organisations FOR SELECT USING (current_user <> 'muster_app');
CREATE POLICY users_owner ON users FOR SELECT USING (current_user <> 'muster_app');

GRANT SELECT, INSERT, UPDATE ON organisations, account_invitations TO muster_app;
GRANT DELETE ON account_invitations TO muster_app;
GRANT SELECT, INSERT, UPDATE ON agreement_versions TO muster_app;
GRANT SELECT, INSERT ON org_agreements, conduct_acceptances TO muster_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON account_invitation_tokens TO muster_app;
GRANT SELECT, INSERT ON conduct_texts TO muster_app;
-- The audit trail: read and append, nothing else, whoever the caller is.
GRANT SELECT, INSERT ON audit_events TO muster_app;
REVOKE UPDATE, DELETE, TRUNCATE ON audit_events FROM muster_app;

-- Account recovery. A request for a password reset is answered at once, the
-- same for every address, and the PasswordReset workflow decides (as the
-- RegistrationRequest workflow does): the address is wiped once handled.
CREATE TABLE reset_requests (
    id           uuid PRIMARY KEY,
    email        text,
    requested_at timestamptz NOT NULL,
    handled_at   timestamptz,
    outcome      text CHECK (outcome IN ('sent', 'unknown', 'throttled')),
    reset_id     uuid,
    CHECK ((handled_at IS NULL) = (email IS NOT NULL)),
    CHECK ((handled_at IS NULL) = (outcome IS NULL))
);
COMMENT ON TABLE reset_requests IS 'Requests for a password reset link; the address is wiped when the request is handled.';
COMMENT ON COLUMN reset_requests.id IS 'class=operational; category=request';
COMMENT ON COLUMN reset_requests.email IS 'class=contact; category=request';
COMMENT ON COLUMN reset_requests.requested_at IS 'class=operational; category=request';
COMMENT ON COLUMN reset_requests.handled_at IS 'class=operational; category=request';
COMMENT ON COLUMN reset_requests.outcome IS 'class=operational; category=request';
COMMENT ON COLUMN reset_requests.reset_id IS 'class=operational; category=request';

-- A single-use link to set a new password: an hour from its creation,
-- stored as the SHA-256 of its token once issued. Also what the "you
-- already have an account" email carries.
CREATE TABLE password_resets (
    id            uuid PRIMARY KEY,
    user_id       uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role          text NOT NULL,
    org_id        uuid,
    purpose       text NOT NULL CHECK (purpose IN ('reset', 'already_registered')),
    token_hash    bytea UNIQUE,
    created_at    timestamptz NOT NULL,
    expires_at    timestamptz NOT NULL,
    sent_at       timestamptz,
    used_at       timestamptz
);
CREATE INDEX password_resets_user_idx ON password_resets (user_id, created_at);
COMMENT ON TABLE password_resets IS 'Single-use password reset links (one hour), stored only as the SHA-256 of their token.';
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

-- A reset link's holder may only mark it used; whose it is, and for how
-- long, never changes.
-- +goose StatementBegin
CREATE FUNCTION password_resets_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF app_role() = 'system' THEN
    RETURN NEW;
  END IF;
  IF NEW.id <> OLD.id OR NEW.user_id <> OLD.user_id OR NEW.role <> OLD.role
     OR NEW.org_id IS DISTINCT FROM OLD.org_id OR NEW.purpose <> OLD.purpose
     OR NEW.token_hash IS DISTINCT FROM OLD.token_hash OR NEW.created_at <> OLD.created_at
     OR NEW.expires_at <> OLD.expires_at OR NEW.sent_at IS DISTINCT FROM OLD.sent_at
     OR OLD.used_at IS NOT NULL OR NEW.used_at IS NULL THEN
    RAISE EXCEPTION 'a password reset link can only be used'
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NEW;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER password_resets_guard BEFORE UPDATE ON password_resets
    FOR EACH ROW EXECUTE FUNCTION password_resets_guard();

ALTER TABLE reset_requests ENABLE ROW LEVEL SECURITY;
ALTER TABLE reset_requests FORCE ROW LEVEL SECURITY;
CREATE POLICY reset_requests_insert ON reset_requests FOR INSERT WITH CHECK (app_role() IN ('anonymous', 'system'));
CREATE POLICY reset_requests_engine ON reset_requests USING (app_role() = 'system');

-- A reset link's holder sees its reset and may use it once, unexpired; the
-- engine does everything else.
ALTER TABLE password_resets ENABLE ROW LEVEL SECURITY;
ALTER TABLE password_resets FORCE ROW LEVEL SECURITY;
CREATE POLICY password_resets_read ON password_resets FOR SELECT USING (
    app_role() = 'system' OR (token_hash IS NOT NULL AND token_hash = app_credential()));
CREATE POLICY password_resets_use ON password_resets FOR UPDATE
    USING (token_hash = app_credential() AND used_at IS NULL)
    WITH CHECK (token_hash = app_credential());
CREATE POLICY password_resets_engine ON password_resets USING (app_role() = 'system');
GRANT SELECT, INSERT, UPDATE, DELETE ON reset_requests, password_resets TO muster_app;

-- A registration request from a registered address is answered with the
-- reset link of a "you already have an account" email.
ALTER TABLE registration_requests ADD COLUMN reset_id uuid;
COMMENT ON COLUMN registration_requests.reset_id IS 'class=operational; category=request';

-- Two-factor sign-in (TOTP, RFC 6238): the shared secret (pending until
-- a first code confirms it), the last time step used (a code works once),
-- and single-use recovery codes stored as their SHA-256.
ALTER TABLE users ADD COLUMN mfa_secret text,
    ADD COLUMN mfa_enabled_at timestamptz,
    ADD COLUMN mfa_last_step bigint;
COMMENT ON COLUMN users.mfa_secret IS 'class=credential; category=account';
COMMENT ON COLUMN users.mfa_enabled_at IS 'class=operational; category=account';
COMMENT ON COLUMN users.mfa_last_step IS 'class=operational; category=account';
CREATE TABLE mfa_recovery_codes (
    user_id   uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash bytea NOT NULL,
    used_at   timestamptz,
    PRIMARY KEY (user_id, code_hash)
);
COMMENT ON TABLE mfa_recovery_codes IS 'Single-use recovery codes for two-factor sign-in, stored only as their SHA-256.';
COMMENT ON COLUMN mfa_recovery_codes.user_id IS 'class=operational; category=account';
COMMENT ON COLUMN mfa_recovery_codes.code_hash IS 'class=credential; category=account';
COMMENT ON COLUMN mfa_recovery_codes.used_at IS 'class=operational; category=account';
ALTER TABLE mfa_recovery_codes ENABLE ROW LEVEL SECURITY;
ALTER TABLE mfa_recovery_codes FORCE ROW LEVEL SECURITY;
CREATE POLICY mfa_recovery_codes_own ON mfa_recovery_codes USING (app_role() = 'system' OR user_id = app_user_id());
GRANT SELECT, INSERT, UPDATE, DELETE ON mfa_recovery_codes TO muster_app;

-- +goose Down
DROP TABLE mfa_recovery_codes;
ALTER TABLE users DROP COLUMN mfa_secret, DROP COLUMN mfa_enabled_at, DROP COLUMN mfa_last_step;
ALTER TABLE registration_requests DROP COLUMN reset_id;
DROP TABLE password_resets, reset_requests;
DROP FUNCTION password_resets_guard();
DROP POLICY sessions_read ON sessions;
DROP POLICY sessions_delete ON sessions;
CREATE POLICY sessions_read ON sessions FOR SELECT USING (
    app_role() = 'system' OR user_id = app_user_id() OR token_hash = app_credential());
CREATE POLICY sessions_delete ON sessions FOR DELETE USING (
    app_role() = 'system' OR user_id = app_user_id() OR token_hash = app_credential());
DROP POLICY users_read ON users;
DROP POLICY users_insert ON users;
DROP POLICY users_update ON users;
CREATE POLICY users_read ON users FOR SELECT USING (
    app_is_staff() OR id = app_user_id()
    OR id IN (SELECT s.user_id FROM sessions s WHERE s.token_hash = app_credential()));
CREATE POLICY users_insert ON users FOR INSERT WITH CHECK (
    app_is_staff()
    OR (app_role() = 'anonymous' AND role = 'candidate' AND EXISTS (
        SELECT 1 FROM invitations i JOIN invitation_tokens t ON t.invitation_id = i.id
        WHERE t.token_hash = app_credential() AND i.consumed_txid = txid_current())));
CREATE POLICY users_update ON users FOR UPDATE USING (app_is_staff() OR id = app_user_id());
DROP POLICY users_owner ON users;
DROP TABLE mailbox_verifications;
DROP TABLE audit_events, conduct_acceptances, conduct_texts, account_invitation_tokens, account_invitations;
DROP FUNCTION audit_events_chain(), audit_events_refuse_change(), audit_event_hash(bytea, audit_events);
DROP FUNCTION app_link_account_invitations(), app_org_admin_reach(), account_invitations_keep_identity();
DROP TRIGGER users_guard ON users;
DROP FUNCTION users_guard();
DELETE FROM users WHERE role IN ('org_admin', 'org_user');
ALTER TABLE users DROP CONSTRAINT users_org_check;
ALTER TABLE users DROP COLUMN org_id, DROP COLUMN name, DROP COLUMN disabled_at;
ALTER TABLE users DROP CONSTRAINT users_role_check;
ALTER TABLE users ADD CONSTRAINT users_role_check CHECK (role IN ('operator', 'candidate'));
DROP VIEW pledged_organisations;
DROP TABLE org_agreements, agreement_versions;
DROP TRIGGER organisations_guard ON organisations;
DROP FUNCTION organisations_guard();
DROP TABLE organisations;
DROP FUNCTION mailbox_verifications_guard(), app_link_mailbox_orgs();
DROP FUNCTION app_in_org(uuid), app_org_id();
