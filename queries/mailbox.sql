-- name: OrgSetMailbox :exec
UPDATE organisations SET mailbox = @mailbox, mailbox_verified_at = NULL, updated_at = @now WHERE id = @id;

-- name: MailboxVerificationCreate :exec
INSERT INTO mailbox_verifications (id, org_id, email, created_at, expires_at)
VALUES (@id, @org_id, @email, @now, @expires_at);

-- name: MailboxVerificationGetForUpdate :one
SELECT v.*, o.name AS org_name, o.mailbox AS current_mailbox
FROM mailbox_verifications v JOIN organisations o ON o.id = v.org_id
WHERE v.id = @id FOR UPDATE OF v;

-- name: MailboxVerificationSetToken :exec
UPDATE mailbox_verifications SET token_hash = @token_hash WHERE id = @id AND sent_at IS NULL;

-- name: MailboxVerificationMarkSent :exec
UPDATE mailbox_verifications SET sent_at = @now WHERE id = @id;

-- name: MailboxVerificationByToken :one
SELECT * FROM mailbox_verifications WHERE token_hash = @token_hash;

-- name: MailboxVerificationConsume :one
UPDATE mailbox_verifications SET used_at = @now, consumed_txid = txid_current()
WHERE token_hash = @token_hash AND used_at IS NULL AND expires_at > @now
RETURNING id, org_id, email;

-- name: OrgVerifyMailbox :execrows
-- Verifies the mailbox only if it is still the address the link went to.
UPDATE organisations SET mailbox_verified_at = @now, updated_at = @now
WHERE id = @id AND mailbox = @email;
