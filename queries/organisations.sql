-- name: OrgCreate :one
INSERT INTO organisations (id, name, type, region, pledged_on, active, created_at, updated_at)
VALUES (@id, @name, @type, @region, @pledged_on, @active, @now, @now)
RETURNING *;

-- name: OrgGet :one
SELECT * FROM organisations WHERE id = @id;

-- name: OrgGetForUpdate :one
SELECT * FROM organisations WHERE id = @id FOR UPDATE;

-- name: OrgUpdate :one
UPDATE organisations
SET name = @name, type = @type, region = @region, pledged_on = @pledged_on, active = @active, updated_at = @now
WHERE id = @id
RETURNING *;

-- name: OrgSetOnboarding :exec
UPDATE organisations SET onboarding = @onboarding, updated_at = @now WHERE id = @id;

-- name: OrgList :many
-- Keyset pagination by name then ID.
SELECT * FROM organisations
WHERE (sqlc.narg(onboarding)::text IS NULL OR onboarding = sqlc.narg(onboarding)::text)
  AND (lower(name), id) > (lower(@after_name::text), @after_id::uuid)
ORDER BY lower(name), id
LIMIT @max_rows;

-- name: OrgListPledged :many
SELECT id, name, type, region FROM pledged_organisations ORDER BY lower(name), id;

-- name: OrgAdminLock :exec
-- Serialises changes to an organisation's administrators until the
-- transaction ends, so two admins demoting each other at once cannot
-- leave it with none.
SELECT pg_advisory_xact_lock(3, hashtext(@org_key::text));

-- name: OrgActiveAdmins :one
SELECT count(*) FROM users WHERE org_id = @org_id AND role = 'org_admin' AND disabled_at IS NULL;

-- name: OrgStanding :one
-- What decides whether an organisation's user may use Muster: the
-- organisation, its latest agreement and whether that version is still
-- accepted, and whether the user accepted the newest code of conduct
-- (org_standing, migration 00015).
SELECT st.name::text AS name, st.active::boolean AS active, st.has_agreement::boolean AS has_agreement,
       st.agreement_version::text AS agreement_version, st.agreement_signed_name::text AS agreement_signed_name,
       st.version_accepted::boolean AS version_accepted, st.conduct_accepted::boolean AS conduct_accepted
FROM org_standing(@user_id::uuid, @org_id::uuid) st;
