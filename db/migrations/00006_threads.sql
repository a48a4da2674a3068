-- Message threads between a candidate and an organisation: one thread per
-- (candidate, organisation), which every user of the organisation and the
-- candidate read whole; what each user has read of it; reports of
-- inappropriate messages and the operator's moderation of them. Messaging
-- follows visibility: an organisation reads and writes a thread exactly
-- while org_sees() says it sees the candidate; the candidate reads their
-- threads always (they are their data) and writes while the organisation
-- sees them.
--
-- Also: a candidate's sharing flag can only ever be their latest consent,
-- and an organisation reads none of a candidate's consent rows.

-- +goose Up

-- Whether organisation org sees candidate now, through its interest in
-- them. Runs with the owner's rights, like app_org_sees_candidate.
-- +goose StatementBegin
CREATE FUNCTION app_org_sees(candidate uuid, org uuid) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT coalesce((SELECT org_sees(c.status, c.sharing, c.verification, i.state, app_keep_placed())
                   FROM candidates c JOIN interests i ON i.candidate_id = c.id AND i.org_id = org
                   WHERE c.id = candidate), false)
$$;
-- +goose StatementEnd
GRANT EXECUTE ON FUNCTION app_org_sees(uuid, uuid) TO muster_app;

CREATE TABLE threads (
    id              uuid PRIMARY KEY,
    candidate_id    uuid NOT NULL REFERENCES candidates (id) ON DELETE CASCADE,
    org_id          uuid NOT NULL REFERENCES organisations (id),
    created_at      timestamptz NOT NULL,
    last_message_at timestamptz NOT NULL,
    UNIQUE (candidate_id, org_id)
);
CREATE INDEX threads_org_idx ON threads (org_id, last_message_at DESC, id DESC);
COMMENT ON TABLE threads IS 'One message thread per candidate and organisation.';
COMMENT ON COLUMN threads.id IS 'class=operational; category=message';
COMMENT ON COLUMN threads.candidate_id IS 'class=operational; category=message';
COMMENT ON COLUMN threads.org_id IS 'class=operational; category=message';
COMMENT ON COLUMN threads.created_at IS 'class=operational; category=message';
COMMENT ON COLUMN threads.last_message_at IS 'class=operational; category=message';

-- A message. seq orders a thread and keys its pages and read marks. A
-- hidden message is kept for the audit, with the operator's reason, and
-- shown to nobody but the operator.
CREATE TABLE messages (
    id             uuid PRIMARY KEY,
    seq            bigint NOT NULL GENERATED ALWAYS AS IDENTITY UNIQUE,
    thread_id      uuid NOT NULL REFERENCES threads (id) ON DELETE CASCADE,
    author_id      uuid REFERENCES users (id) ON DELETE SET NULL,
    from_candidate boolean NOT NULL,
    body           text NOT NULL CHECK (length(body) BETWEEN 1 AND 5000),
    sent_at        timestamptz NOT NULL,
    hidden_at      timestamptz,
    hidden_by      uuid REFERENCES users (id) ON DELETE SET NULL,
    hidden_reason  text CHECK (length(hidden_reason) BETWEEN 1 AND 2000),
    CHECK ((hidden_at IS NULL) = (hidden_reason IS NULL))
);
CREATE INDEX messages_thread_idx ON messages (thread_id, seq DESC);
COMMENT ON TABLE messages IS 'Messages between candidates and organisations; hidden ones are kept for the audit.';
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

-- How far each person has read each thread.
CREATE TABLE thread_reads (
    thread_id uuid NOT NULL REFERENCES threads (id) ON DELETE CASCADE,
    user_id   uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    read_seq  bigint NOT NULL,
    PRIMARY KEY (thread_id, user_id)
);
COMMENT ON TABLE thread_reads IS 'The last message of a thread each person has read, for unread counts.';
COMMENT ON COLUMN thread_reads.thread_id IS 'class=operational; category=message';
COMMENT ON COLUMN thread_reads.user_id IS 'class=operational; category=message';
COMMENT ON COLUMN thread_reads.read_seq IS 'class=operational; category=message';

-- A participant's report of a message as inappropriate, and the
-- operator's decision on it.
CREATE TABLE message_reports (
    id          uuid PRIMARY KEY,
    message_id  uuid NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    reported_by uuid REFERENCES users (id) ON DELETE SET NULL,
    reason      text NOT NULL CHECK (reason IN ('disrespectful', 'discriminatory', 'harassment', 'personal_data',
                    'spam', 'other')),
    note        text CHECK (length(note) BETWEEN 1 AND 2000),
    reported_at timestamptz NOT NULL,
    decision    text CHECK (decision IN ('hidden', 'dismissed')),
    decided_by  uuid REFERENCES users (id) ON DELETE SET NULL,
    decided_at  timestamptz,
    CHECK ((decision IS NULL) = (decided_at IS NULL)),
    UNIQUE (message_id, reported_by)
);
CREATE INDEX message_reports_open_idx ON message_reports (reported_at, id) WHERE decision IS NULL;
COMMENT ON TABLE message_reports IS 'Reports of inappropriate messages under the code of conduct, and the operator''s decisions.';
COMMENT ON COLUMN message_reports.id IS 'class=operational; category=message';
COMMENT ON COLUMN message_reports.message_id IS 'class=operational; category=message';
COMMENT ON COLUMN message_reports.reported_by IS 'class=operational; category=message';
COMMENT ON COLUMN message_reports.reason IS 'class=operational; category=message';
COMMENT ON COLUMN message_reports.note IS 'class=free-text; category=message';
COMMENT ON COLUMN message_reports.reported_at IS 'class=operational; category=message';
COMMENT ON COLUMN message_reports.decision IS 'class=operational; category=message';
COMMENT ON COLUMN message_reports.decided_by IS 'class=operational; category=message';
COMMENT ON COLUMN message_reports.decided_at IS 'class=operational; category=message';

-- Only moderation changes a message, and only the operator moderates.
-- +goose StatementBegin
CREATE FUNCTION messages_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF (NEW.id, NEW.seq, NEW.thread_id, NEW.from_candidate, NEW.body, NEW.sent_at)
     IS DISTINCT FROM (OLD.id, OLD.seq, OLD.thread_id, OLD.from_candidate, OLD.body, OLD.sent_at)
     OR (NEW.author_id IS DISTINCT FROM OLD.author_id AND NEW.author_id IS NOT NULL) THEN
    RAISE EXCEPTION 'a message cannot be changed once sent' USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NEW;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER messages_guard BEFORE UPDATE ON messages FOR EACH ROW EXECUTE FUNCTION messages_guard();

ALTER TABLE threads ENABLE ROW LEVEL SECURITY;
ALTER TABLE threads FORCE ROW LEVEL SECURITY;
CREATE POLICY threads_read ON threads FOR SELECT USING (
    app_is_staff()
    OR candidate_id = app_candidate_id()
    OR (app_in_org(org_id) AND app_org_sees(candidate_id, org_id)));
CREATE POLICY threads_insert ON threads FOR INSERT WITH CHECK (
    app_is_staff()
    OR ((candidate_id = app_candidate_id() OR app_in_org(org_id)) AND app_org_sees(candidate_id, org_id)));
CREATE POLICY threads_update ON threads FOR UPDATE
    USING (app_is_staff() OR ((candidate_id = app_candidate_id() OR app_in_org(org_id)) AND app_org_sees(candidate_id, org_id)))
    WITH CHECK (app_is_staff() OR ((candidate_id = app_candidate_id() OR app_in_org(org_id)) AND app_org_sees(candidate_id, org_id)));
CREATE POLICY threads_engine ON threads FOR DELETE USING (app_role() = 'system');

ALTER TABLE messages ENABLE ROW LEVEL SECURITY;
ALTER TABLE messages FORCE ROW LEVEL SECURITY;
CREATE POLICY messages_read ON messages FOR SELECT USING (
    app_is_staff() OR (hidden_at IS NULL AND thread_id IN (SELECT t.id FROM threads t)));
CREATE POLICY messages_insert ON messages FOR INSERT WITH CHECK (
    hidden_at IS NULL AND author_id = app_user_id()
    AND thread_id IN (SELECT t.id FROM threads t WHERE
        (from_candidate AND t.candidate_id = app_candidate_id() AND app_org_sees(t.candidate_id, t.org_id))
        OR (NOT from_candidate AND app_in_org(t.org_id))));
CREATE POLICY messages_moderate ON messages FOR UPDATE
    USING (app_role() = 'operator') WITH CHECK (app_role() = 'operator');
CREATE POLICY messages_engine ON messages FOR DELETE USING (app_role() = 'system');

ALTER TABLE thread_reads ENABLE ROW LEVEL SECURITY;
ALTER TABLE thread_reads FORCE ROW LEVEL SECURITY;
CREATE POLICY thread_reads_own ON thread_reads
    USING (user_id = app_user_id() AND thread_id IN (SELECT t.id FROM threads t))
    WITH CHECK (user_id = app_user_id() AND thread_id IN (SELECT t.id FROM threads t));
CREATE POLICY thread_reads_engine ON thread_reads USING (app_role() = 'system');

ALTER TABLE message_reports ENABLE ROW LEVEL SECURITY;
ALTER TABLE message_reports FORCE ROW LEVEL SECURITY;
CREATE POLICY message_reports_read ON message_reports FOR SELECT USING (
    app_is_staff() OR reported_by = app_user_id());
CREATE POLICY message_reports_insert ON message_reports FOR INSERT WITH CHECK (
    reported_by = app_user_id() AND decision IS NULL
    AND message_id IN (SELECT m.id FROM messages m));
CREATE POLICY message_reports_decide ON message_reports FOR UPDATE
    USING (app_role() = 'operator') WITH CHECK (app_role() = 'operator');
CREATE POLICY message_reports_engine ON message_reports FOR DELETE USING (app_role() = 'system');

GRANT SELECT, INSERT, UPDATE, DELETE ON threads, messages, thread_reads, message_reports TO muster_app;

-- The sharing flag is the candidate's latest consent, whichever row was
-- inserted last, and nobody but staff may set it to anything else.
-- +goose StatementBegin
CREATE FUNCTION latest_consent(candidate uuid) RETURNS boolean
LANGUAGE sql STABLE AS $$
  SELECT coalesce((SELECT k.given FROM consents k WHERE k.candidate_id = candidate
                   ORDER BY k.recorded_at DESC, k.id DESC LIMIT 1), false)
$$;
-- +goose StatementEnd
GRANT EXECUTE ON FUNCTION latest_consent(uuid) TO muster_app;

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION consents_to_candidate() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  UPDATE candidates SET sharing = latest_consent(NEW.candidate_id) WHERE id = NEW.candidate_id;
  RETURN NULL;
END
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION candidates_sharing_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF NOT app_is_staff() AND NEW.sharing IS DISTINCT FROM OLD.sharing
     AND NEW.sharing IS DISTINCT FROM latest_consent(NEW.id) THEN
    RAISE EXCEPTION 'sharing follows the latest consent' USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NEW;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER candidates_sharing_guard BEFORE UPDATE ON candidates
    FOR EACH ROW EXECUTE FUNCTION candidates_sharing_guard();

DROP POLICY consents_read ON consents;
DROP POLICY consents_insert ON consents;
CREATE POLICY consents_read ON consents FOR SELECT USING (
    coalesce(app_role(), '') NOT IN ('org_admin', 'org_user') AND candidate_id IN (SELECT c.id FROM candidates c));
CREATE POLICY consents_insert ON consents FOR INSERT WITH CHECK (
    coalesce(app_role(), '') NOT IN ('org_admin', 'org_user') AND candidate_id IN (SELECT c.id FROM candidates c));

-- +goose Down
DROP POLICY consents_read ON consents;
DROP POLICY consents_insert ON consents;
CREATE POLICY consents_read ON consents FOR SELECT USING (candidate_id IN (SELECT c.id FROM candidates c));
CREATE POLICY consents_insert ON consents FOR INSERT WITH CHECK (candidate_id IN (SELECT c.id FROM candidates c));
DROP TRIGGER candidates_sharing_guard ON candidates;
DROP FUNCTION candidates_sharing_guard();
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION consents_to_candidate() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  UPDATE candidates SET sharing = NEW.given WHERE id = NEW.candidate_id;
  RETURN NULL;
END
$$;
-- +goose StatementEnd
DROP FUNCTION latest_consent(uuid);
DROP TABLE message_reports, thread_reads, messages, threads;
DROP FUNCTION messages_guard(), app_org_sees(uuid, uuid);
