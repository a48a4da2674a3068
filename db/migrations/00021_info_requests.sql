-- The register of information requests (issue 17; docs/decisions.md,
-- "information requests"): somebody outside the programme asks for
-- figures; the operator logs it, acknowledges it, and supplies a release
-- (a report under disclosure control, as PDF and XLSX, kept with its
-- SHA-256) or denies it with a reason. Nothing leaves the register. It is
-- the operator's alone: no organisation or candidate reads it.

-- +goose Up
CREATE TABLE info_requests (
    id              uuid PRIMARY KEY,
    requester       text NOT NULL CHECK (requester IN ('member_organisation', 'special_interest_group', 'academic', 'commercial', 'other')),
    who             text NOT NULL CHECK (length(who) BETWEEN 1 AND 200),
    purpose         text NOT NULL CHECK (length(purpose) BETWEEN 1 AND 2000),
    asked           text NOT NULL CHECK (length(asked) BETWEEN 1 AND 2000),
    commercial_gain boolean NOT NULL,
    state           text NOT NULL CHECK (state IN ('received', 'acknowledged', 'supplied', 'denied')),
    received_at     timestamptz NOT NULL,
    acknowledged_at timestamptz,
    closed_at       timestamptz,
    reason          text CHECK (length(reason) BETWEEN 1 AND 2000),
    flagged         boolean NOT NULL DEFAULT false,
    logged_by       uuid REFERENCES users (id) ON DELETE SET NULL,
    CHECK ((state IN ('supplied', 'denied')) = (closed_at IS NOT NULL)),
    CHECK ((state IN ('supplied', 'denied')) = (reason IS NOT NULL)),
    CHECK (state <> 'acknowledged' OR acknowledged_at IS NOT NULL),
    CHECK (state <> 'supplied' OR acknowledged_at IS NOT NULL)
);
CREATE INDEX info_requests_open_idx ON info_requests (received_at, id) WHERE state IN ('received', 'acknowledged');
COMMENT ON TABLE info_requests IS 'The register of information requests: who asked for which figures, what for, and what was decided.';
COMMENT ON COLUMN info_requests.id IS 'class=operational; category=audit; subject=external:requester; seen_by=operator';
COMMENT ON COLUMN info_requests.requester IS 'class=operational; category=audit; subject=external:requester; seen_by=operator';
COMMENT ON COLUMN info_requests.who IS 'class=operational; category=audit; subject=external:requester; seen_by=operator';
COMMENT ON COLUMN info_requests.purpose IS 'class=free-text; category=audit; subject=external:requester; seen_by=operator';
COMMENT ON COLUMN info_requests.asked IS 'class=free-text; category=audit; subject=external:requester; seen_by=operator';
COMMENT ON COLUMN info_requests.commercial_gain IS 'class=operational; category=audit; subject=external:requester; seen_by=operator';
COMMENT ON COLUMN info_requests.state IS 'class=operational; category=audit; subject=external:requester; seen_by=operator';
COMMENT ON COLUMN info_requests.received_at IS 'class=operational; category=audit; subject=external:requester; seen_by=operator';
COMMENT ON COLUMN info_requests.acknowledged_at IS 'class=operational; category=audit; subject=external:requester; seen_by=operator';
COMMENT ON COLUMN info_requests.closed_at IS 'class=operational; category=audit; subject=external:requester; seen_by=operator';
COMMENT ON COLUMN info_requests.reason IS 'class=free-text; category=audit; subject=external:requester; seen_by=operator';
COMMENT ON COLUMN info_requests.flagged IS 'class=operational; category=audit; subject=external:requester; seen_by=operator';
COMMENT ON COLUMN info_requests.logged_by IS 'class=operational; category=audit; subject=external:requester; seen_by=operator';

CREATE TABLE info_releases (
    id           uuid PRIMARY KEY,
    request_id   uuid NOT NULL UNIQUE REFERENCES info_requests (id),
    report       text NOT NULL CHECK (length(report) BETWEEN 1 AND 100),
    pdf          bytea NOT NULL,
    pdf_sha256   bytea NOT NULL CHECK (length(pdf_sha256) = 32),
    xlsx         bytea NOT NULL,
    xlsx_sha256  bytea NOT NULL CHECK (length(xlsx_sha256) = 32),
    created_at   timestamptz NOT NULL,
    created_by   uuid REFERENCES users (id) ON DELETE SET NULL
);
COMMENT ON TABLE info_releases IS 'What an information request was supplied: the report under disclosure control, as PDF and XLSX, with their SHA-256.';
COMMENT ON COLUMN info_releases.id IS 'class=anonymous; category=audit; subject=external:requester; seen_by=operator';
COMMENT ON COLUMN info_releases.request_id IS 'class=anonymous; category=audit; subject=external:requester; seen_by=operator';
COMMENT ON COLUMN info_releases.report IS 'class=anonymous; category=audit; subject=external:requester; seen_by=operator';
COMMENT ON COLUMN info_releases.pdf IS 'class=anonymous; category=audit; subject=external:requester; seen_by=operator';
COMMENT ON COLUMN info_releases.pdf_sha256 IS 'class=anonymous; category=audit; subject=external:requester; seen_by=operator';
COMMENT ON COLUMN info_releases.xlsx IS 'class=anonymous; category=audit; subject=external:requester; seen_by=operator';
COMMENT ON COLUMN info_releases.xlsx_sha256 IS 'class=anonymous; category=audit; subject=external:requester; seen_by=operator';
COMMENT ON COLUMN info_releases.created_at IS 'class=anonymous; category=audit; subject=external:requester; seen_by=operator';
COMMENT ON COLUMN info_releases.created_by IS 'class=operational; category=audit; subject=external:requester; seen_by=operator';

CREATE INDEX info_requests_logged_by_idx ON info_requests (logged_by) WHERE logged_by IS NOT NULL;
CREATE INDEX info_releases_created_by_idx ON info_releases (created_by) WHERE created_by IS NOT NULL;
ALTER TABLE info_requests ENABLE ROW LEVEL SECURITY;
ALTER TABLE info_releases ENABLE ROW LEVEL SECURITY;
CREATE POLICY info_requests_staff ON info_requests USING (app_is_staff()) WITH CHECK (app_is_staff());
CREATE POLICY info_releases_staff ON info_releases USING (app_is_staff()) WITH CHECK (app_is_staff());
GRANT SELECT, INSERT, UPDATE ON info_requests TO muster_app;
GRANT SELECT, INSERT ON info_releases TO muster_app;

-- +goose Down
DROP TABLE info_releases, info_requests;
