-- name: InvitationCreate :exec
INSERT INTO invitations (id, candidate_id, kind, email, invited_by, created_at, expires_at)
VALUES (@id, @candidate_id, @kind, @email, sqlc.narg(invited_by), @now, @expires_at);

-- name: InvitationGet :one
SELECT * FROM invitations WHERE id = @id;

-- name: InvitationGetForUpdate :one
SELECT * FROM invitations WHERE id = @id FOR UPDATE;

-- name: InvitationGetByTokenHash :one
SELECT * FROM invitations WHERE token_hash = @token_hash;

-- name: InvitationPendingByEmail :one
SELECT id FROM invitations WHERE email = @email AND used_at IS NULL;

-- name: InvitationReplaceToken :execrows
-- A new link for an unused invitation; the old one stops working and the
-- new one is not yet sent.
UPDATE invitations SET token_hash = @token_hash, sent_at = NULL
WHERE id = @id AND used_at IS NULL;

-- name: InvitationMarkSent :exec
UPDATE invitations SET sent_at = @now::timestamptz WHERE id = @id AND sent_at IS NULL;

-- name: InvitationConsume :one
-- Marks the link used and wipes the address from the invitation, returning
-- the address as it was so the account can be created with it.
UPDATE invitations i SET used_at = @now::timestamptz, email = NULL
FROM (
    SELECT p.id, p.email FROM invitations p
    WHERE p.token_hash = @token_hash AND p.used_at IS NULL AND p.expires_at > @now::timestamptz
    FOR UPDATE
) old
WHERE i.id = old.id
RETURNING i.id, i.candidate_id, i.kind, old.email::text AS email;
