-- name: UserCreate :exec
INSERT INTO users (id, role, email, password_hash, org_id, name, created_at, updated_at)
VALUES (@id, @role, @email, @password_hash, sqlc.narg(org_id), sqlc.narg(name), @now, @now);

-- name: UserGet :one
SELECT * FROM users WHERE id = @id;

-- name: UserGetByEmail :one
SELECT * FROM users WHERE email = @email;

-- name: UserEmailExists :one
SELECT EXISTS (SELECT 1 FROM users WHERE email = @email);

-- name: OrgPeopleList :many
SELECT * FROM users WHERE org_id = @org_id ORDER BY lower(name), id;

-- name: OrgPersonGetForUpdate :one
SELECT * FROM users WHERE id = @id AND org_id = @org_id FOR UPDATE;

-- name: OrgPersonSet :one
UPDATE users SET role = @role, disabled_at = sqlc.narg(disabled_at), updated_at = @now
WHERE id = @id AND org_id = @org_id
RETURNING *;
