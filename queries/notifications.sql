-- name: InterestForNotification :one
-- What an interest notification needs: the organisation and whether the
-- organisation still sees the candidate (nothing is sent if not).
SELECT i.org_id, i.candidate_id, o.name AS org_name,
       app_view_open(i.org_view) AS visible
FROM interests i JOIN candidates c ON c.id = i.candidate_id JOIN organisations o ON o.id = i.org_id
WHERE i.id = @id;

-- name: OrgNotifiableUsers :many
-- The users of an organisation who are told about its candidates: every
-- active one, in a stable order.
SELECT id FROM users WHERE org_id = @org_id AND disabled_at IS NULL ORDER BY id;

-- name: OrgVerifiedMailbox :one
SELECT coalesce(mailbox, '')::text AS mailbox FROM organisations
WHERE id = @id AND mailbox_verified_at IS NOT NULL;

-- name: UserEmailForNotification :one
SELECT email FROM users WHERE id = @id AND org_id = @org_id AND disabled_at IS NULL;

-- name: NotificationDeliveryLock :exec
-- Holds one notification's key until the transaction ends, so two
-- attempts at it never run at once.
SELECT pg_advisory_xact_lock(4, hashtext(@key::text));

-- name: NotificationDelivered :one
SELECT EXISTS (SELECT 1 FROM notification_deliveries WHERE key = @key);

-- name: NotificationDeliveryRecord :exec
INSERT INTO notification_deliveries (key, sent_at) VALUES (@key, @now);

-- name: CandidateEmailForNotification :one
-- Where a candidate is written to: their sign-in address while their
-- account is active.
SELECT u.email FROM users u JOIN candidates c ON c.user_id = u.id
WHERE u.id = @id AND u.disabled_at IS NULL;
