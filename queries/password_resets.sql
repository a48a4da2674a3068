-- name: ResetRequestCreate :exec
INSERT INTO reset_requests (id, email, requested_at) VALUES (@id, @email, @now);

-- name: ResetRequestGetForUpdate :one
SELECT * FROM reset_requests WHERE id = @id FOR UPDATE;

-- name: ResetRequestSettle :exec
UPDATE reset_requests SET email = NULL, handled_at = @now, outcome = @outcome, reset_id = sqlc.narg(reset_id)
WHERE id = @id;

-- name: PasswordResetCreate :exec
INSERT INTO password_resets (id, user_id, role, org_id, purpose, created_at, expires_at)
VALUES (@id, @user_id, @role, sqlc.narg(org_id), @purpose, @now, @expires_at);

-- name: PasswordResetLastCreated :one
-- When the user's newest reset was created, for the gap between emails.
SELECT created_at FROM password_resets WHERE user_id = @user_id ORDER BY created_at DESC LIMIT 1;

-- name: PasswordResetGetForUpdate :one
SELECT r.*, u.email FROM password_resets r JOIN users u ON u.id = r.user_id WHERE r.id = @id FOR UPDATE OF r;

-- name: PasswordResetSetToken :exec
UPDATE password_resets SET token_hash = @token_hash WHERE id = @id AND sent_at IS NULL;

-- name: PasswordResetMarkSent :exec
UPDATE password_resets SET sent_at = @now WHERE id = @id;

-- name: PasswordResetByToken :one
SELECT * FROM password_resets WHERE token_hash = @token_hash;

-- name: PasswordResetConsume :one
UPDATE password_resets SET used_at = @now
WHERE token_hash = @token_hash AND used_at IS NULL AND expires_at > @now
RETURNING id, user_id, role, org_id;

-- name: UserSetPassword :exec
UPDATE users SET password_hash = @password_hash, updated_at = @now WHERE id = @id;
