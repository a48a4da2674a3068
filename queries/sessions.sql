-- name: SessionCreate :exec
INSERT INTO sessions (id, user_id, token_hash, created_at, last_seen_at, expires_at)
VALUES (@id, @user_id, @token_hash, @now, @now, @expires_at);

-- name: SessionGetByTokenHash :one
-- The session a token belongs to, with its user and, for an
-- organisation's user, their organisation's standing (session_standing:
-- for the token the transaction presents, which must be this one).
SELECT s.id, s.user_id, s.created_at, s.last_seen_at, s.expires_at, u.role, u.org_id, u.disabled_at, (u.mfa_enabled_at IS NOT NULL)::boolean AS mfa_enabled,
       (st.name IS NOT NULL)::boolean AS has_standing, coalesce(st.name, '')::text AS org_name, coalesce(st.active, false)::boolean AS org_active,
       coalesce(st.has_agreement, false)::boolean AS has_agreement, coalesce(st.agreement_version, '')::text AS agreement_version,
       coalesce(st.agreement_signed_name, '')::text AS agreement_signed_name, coalesce(st.version_accepted, false)::boolean AS version_accepted,
       coalesce(st.conduct_accepted, false)::boolean AS conduct_accepted
FROM sessions s
JOIN users u ON u.id = s.user_id
LEFT JOIN LATERAL session_standing() st ON true
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
