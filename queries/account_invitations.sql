-- name: AccountInvitationCreate :one
INSERT INTO account_invitations (id, org_id, kind, role, name, email, invited_by, created_at, expires_at)
VALUES (@id, @org_id, @kind, @role, @name, @email, sqlc.narg(invited_by), @now, @expires_at)
RETURNING id, org_id, kind, role, created_at, expires_at;

-- name: AccountInvitationGet :one
SELECT * FROM account_invitations WHERE id = @id;

-- name: AccountInvitationGetForUpdate :one
SELECT * FROM account_invitations WHERE id = @id FOR UPDATE;

-- name: AccountInvitationOpenForOrg :many
SELECT id FROM account_invitations
WHERE org_id = @org_id AND kind = @kind AND used_at IS NULL AND expired_at IS NULL;

-- name: AccountInvitationByTokenHash :one
SELECT i.* FROM account_invitations i
JOIN account_invitation_tokens t ON t.invitation_id = i.id
WHERE t.token_hash = @token_hash;

-- name: AccountInvitationConsume :one
-- Marks the invitation used, by this transaction, and wipes the name and
-- address from it, returning them as they were so the account can be
-- created with them.
UPDATE account_invitations i SET used_at = @now::timestamptz, email = NULL, name = NULL, consumed_txid = txid_current()
FROM (
    SELECT p.id, p.email, p.name FROM account_invitations p
    JOIN account_invitation_tokens t ON t.invitation_id = p.id
    WHERE t.token_hash = @token_hash AND p.used_at IS NULL AND p.expired_at IS NULL AND p.expires_at > @now::timestamptz
    FOR UPDATE OF p
) old
WHERE i.id = old.id
RETURNING i.id, i.org_id, i.kind, i.role, old.email::text AS email, old.name::text AS name;

-- name: AccountInvitationSetUser :exec
UPDATE account_invitations SET user_id = @user_id WHERE id = @id;

-- name: AccountInvitationExpire :one
-- Closes an unanswered invitation and wipes its name and address;
-- reports whether there was one to close.
UPDATE account_invitations SET expired_at = @now, email = NULL, name = NULL
WHERE id = @id AND used_at IS NULL AND expired_at IS NULL
RETURNING id;

-- name: AccountInvitationTokenCreate :exec
INSERT INTO account_invitation_tokens (token_hash, invitation_id, purpose, created_at)
VALUES (@token_hash, @invitation_id, @purpose, @now);

-- name: AccountInvitationTokenMarkSent :exec
UPDATE account_invitation_tokens SET sent_at = @now WHERE invitation_id = @invitation_id AND purpose = @purpose;

-- name: AccountInvitationTokenDelete :exec
DELETE FROM account_invitation_tokens WHERE invitation_id = @invitation_id AND purpose = @purpose;

-- name: AccountInvitationTokenSent :one
SELECT sent_at FROM account_invitation_tokens WHERE invitation_id = @invitation_id AND purpose = @purpose;

-- name: OrgOperatorAddresses :many
-- Where the programme's escalations go: every active operator.
SELECT id, email FROM users WHERE role = 'operator' AND disabled_at IS NULL ORDER BY created_at;
