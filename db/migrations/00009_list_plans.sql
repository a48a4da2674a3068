-- The employer's candidate list under row-level security, made to cost
-- the same at any size (docs/benchmarks.md, 2026-11-23): an
-- organisation's read of a candidate probes its one interest by the
-- unique (candidate_id, org_id) index instead of hashing every interest
-- the organisation has; and the link-holder functions, which return at
-- most one row, say so, so that the planner keeps the index plans.

-- +goose Up
ALTER POLICY candidates_org_read ON candidates USING (
    app_role() IN ('org_admin', 'org_user')
    AND EXISTS (SELECT 1 FROM interests i WHERE i.candidate_id = candidates.id AND i.org_id = app_org_id()));
ALTER POLICY candidates_org_place ON candidates
    USING (app_role() IN ('org_admin', 'org_user')
        AND EXISTS (SELECT 1 FROM interests i WHERE i.candidate_id = candidates.id AND i.org_id = app_org_id()))
    WITH CHECK (app_role() IN ('org_admin', 'org_user') AND status = 'placed');
ALTER FUNCTION app_link_invitations() ROWS 1;
ALTER FUNCTION app_link_account_invitations() ROWS 1;
ALTER FUNCTION app_link_mailbox_orgs() ROWS 1;

-- +goose Down
ALTER FUNCTION app_link_invitations() ROWS 1000;
ALTER FUNCTION app_link_account_invitations() ROWS 1000;
ALTER FUNCTION app_link_mailbox_orgs() ROWS 1000;
ALTER POLICY candidates_org_place ON candidates
    USING (app_role() IN ('org_admin', 'org_user') AND id IN (SELECT i.candidate_id FROM interests i WHERE i.org_id = app_org_id()))
    WITH CHECK (app_role() IN ('org_admin', 'org_user') AND status = 'placed');
ALTER POLICY candidates_org_read ON candidates USING (
    app_role() IN ('org_admin', 'org_user') AND id IN (SELECT i.candidate_id FROM interests i WHERE i.org_id = app_org_id()));
