-- name: InvitationCreate :exec
INSERT INTO invitations (id, candidate_id, kind, email, invited_by, created_at, expires_at)
VALUES (@id, @candidate_id, @kind, @email, sqlc.narg(invited_by), @now, @expires_at);

-- name: InvitationGetForUpdate :one
SELECT * FROM invitations WHERE id = @id FOR UPDATE;

-- name: InvitationGetByTokenHash :one
SELECT i.* FROM invitations i
JOIN invitation_tokens t ON t.invitation_id = i.id
WHERE t.token_hash = @token_hash;

-- name: InvitationPendingByEmail :one
SELECT id FROM invitations WHERE email = @email AND used_at IS NULL;

-- name: InvitationConsume :one
-- Marks the invitation used, by this transaction, and wipes the address
-- from it, returning the address as it was so the account can be created
-- with it. Any of the invitation's links will do.
UPDATE invitations i SET used_at = @now::timestamptz, email = NULL, consumed_txid = txid_current()
FROM (
    SELECT p.id, p.email FROM invitations p
    JOIN invitation_tokens t ON t.invitation_id = p.id
    WHERE t.token_hash = @token_hash AND p.used_at IS NULL AND p.expires_at > @now::timestamptz
    FOR UPDATE OF p
) old
WHERE i.id = old.id
RETURNING i.id, i.candidate_id, i.kind, old.email::text AS email;

-- name: InvitationTokenCreate :one
-- A new link for the invitation, one generation after the newest. The
-- caller holds the invitation's row lock.
INSERT INTO invitation_tokens (token_hash, invitation_id, generation, created_at)
SELECT @token_hash, @invitation_id, coalesce(max(t.generation), 0) + 1, @now
FROM invitation_tokens t WHERE t.invitation_id = @invitation_id
RETURNING generation;

-- name: InvitationTokenMarkSent :exec
UPDATE invitation_tokens SET sent_at = @now::timestamptz
WHERE invitation_id = @invitation_id AND generation = @generation AND sent_at IS NULL;

-- name: InvitationTokenPrune :execrows
-- Keeps the newest links of an invitation; older ones stop working only
-- once several newer ones have been sent.
DELETE FROM invitation_tokens
WHERE invitation_id = @invitation_id AND generation <= @through_generation;

-- name: InvitationLastIssued :one
-- When the invitation's newest link was issued, sent yet or not.
SELECT created_at FROM invitation_tokens
WHERE invitation_id = @invitation_id
ORDER BY generation DESC LIMIT 1;

-- name: InvitationEverSent :one
SELECT EXISTS (SELECT 1 FROM invitation_tokens WHERE invitation_id = @invitation_id AND sent_at IS NOT NULL);
