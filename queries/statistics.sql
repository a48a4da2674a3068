-- name: ExpiredInvitationCountAdd :exec
INSERT INTO expired_invitation_counts (month, kind, expired)
VALUES (date_trunc('month', @now::timestamptz)::date, @kind, 1)
ON CONFLICT (month, kind) DO UPDATE SET expired = expired_invitation_counts.expired + 1;

-- name: ExpiredInvitationCountTotal :one
SELECT coalesce(sum(expired), 0)::bigint FROM expired_invitation_counts;
