-- name: SessionCreate :exec
INSERT INTO sessions (id, user_id, token_hash, created_at, last_seen_at, expires_at)
VALUES (@id, @user_id, @token_hash, @now, @now, @expires_at);

-- name: SessionGetByTokenHash :one
SELECT s.id, s.user_id, s.created_at, s.last_seen_at, s.expires_at, u.role, u.org_id, u.disabled_at, (u.mfa_enabled_at IS NOT NULL)::boolean AS mfa_enabled
FROM sessions s
JOIN users u ON u.id = s.user_id
WHERE s.token_hash = @token_hash;

-- name: SessionTouch :exec
UPDATE sessions SET last_seen_at = @now WHERE id = @id;

-- name: SessionDelete :exec
DELETE FROM sessions WHERE id = @id;

-- name: SessionDeleteExpiredForUser :execrows
DELETE FROM sessions
WHERE user_id = @user_id AND (expires_at <= @now OR last_seen_at <= @idle_before::timestamptz);

-- name: SessionDeleteAllForUser :execrows
DELETE FROM sessions WHERE user_id = @user_id;

-- name: SessionDeleteOthersForUser :execrows
DELETE FROM sessions WHERE user_id = @user_id AND id <> @keep_id;
