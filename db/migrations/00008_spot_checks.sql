-- Spot checks: the registrations sampled for verification (a share at
-- random, and every one a rule in sim flags), and the operator's
-- decision on each. A rejection sets candidates.verification, which
-- org_sees() reads: the candidate is hidden from every organisation at
-- once.

-- +goose Up
CREATE TABLE spot_checks (
    id           uuid PRIMARY KEY,
    candidate_id uuid NOT NULL UNIQUE REFERENCES candidates (id) ON DELETE CASCADE,
    flags        text[] NOT NULL CHECK (cardinality(flags) > 0),
    sampled_at   timestamptz NOT NULL,
    outcome      text CHECK (outcome IN ('verified', 'rejected')),
    reason       text CHECK (length(reason) BETWEEN 1 AND 500),
    decided_by   uuid REFERENCES users (id) ON DELETE SET NULL,
    decided_at   timestamptz,
    CHECK ((outcome IS NULL) = (decided_at IS NULL)),
    CHECK ((reason IS NOT NULL) = (outcome IS NOT DISTINCT FROM 'rejected'))
);
CREATE INDEX spot_checks_open_idx ON spot_checks (sampled_at, id) WHERE outcome IS NULL;
COMMENT ON TABLE spot_checks IS 'Registrations sampled for verification, and the operator''s decisions.';
COMMENT ON COLUMN spot_checks.id IS 'class=operational; category=candidate_record';
COMMENT ON COLUMN spot_checks.candidate_id IS 'class=operational; category=candidate_record';
COMMENT ON COLUMN spot_checks.flags IS 'class=operational; category=candidate_record';
COMMENT ON COLUMN spot_checks.sampled_at IS 'class=operational; category=candidate_record';
COMMENT ON COLUMN spot_checks.outcome IS 'class=operational; category=candidate_record';
COMMENT ON COLUMN spot_checks.reason IS 'class=free-text; category=candidate_record';
COMMENT ON COLUMN spot_checks.decided_by IS 'class=operational; category=candidate_record';
COMMENT ON COLUMN spot_checks.decided_at IS 'class=operational; category=candidate_record';

ALTER TABLE spot_checks ENABLE ROW LEVEL SECURITY;
ALTER TABLE spot_checks FORCE ROW LEVEL SECURITY;
-- The queue is the operator's; a registration puts itself in it.
CREATE POLICY spot_checks_read ON spot_checks FOR SELECT USING (app_is_staff());
CREATE POLICY spot_checks_sample ON spot_checks FOR INSERT WITH CHECK (
    app_is_staff()
    OR (app_role() = 'anonymous' AND outcome IS NULL AND candidate_id IN (SELECT c.id FROM candidates c)));
CREATE POLICY spot_checks_decide ON spot_checks FOR UPDATE
    USING (app_role() = 'operator') WITH CHECK (app_role() = 'operator');
CREATE POLICY spot_checks_engine ON spot_checks FOR DELETE USING (app_role() = 'system');
GRANT SELECT, INSERT, UPDATE, DELETE ON spot_checks TO muster_app;

-- +goose Down
DROP TABLE spot_checks;
