-- name: InvitationCreate :exec
INSERT INTO invitations (id, candidate_id, kind, email, invited_by, created_at, expires_at)
VALUES (@id, @candidate_id, @kind, @email, sqlc.narg(invited_by), @now, @expires_at);

-- name: InvitationGet :one
SELECT * FROM invitations WHERE id = @id;

-- name: InvitationGetForUpdate :one
SELECT * FROM invitations WHERE id = @id FOR UPDATE;

-- name: InvitationGetByTokenHash :one
SELECT * FROM invitations WHERE token_hash = @token_hash;

-- name: InvitationPendingExists :one
SELECT EXISTS (SELECT 1 FROM invitations WHERE email = @email AND used_at IS NULL);

-- name: InvitationSetToken :execrows
UPDATE invitations SET token_hash = @token_hash
WHERE id = @id AND used_at IS NULL AND sent_at IS NULL;

-- name: InvitationMarkSent :exec
UPDATE invitations SET sent_at = @now WHERE id = @id AND sent_at IS NULL;

-- name: InvitationConsume :one
UPDATE invitations SET used_at = @now, email = NULL
WHERE token_hash = @token_hash AND used_at IS NULL AND expires_at > @now
RETURNING *;
