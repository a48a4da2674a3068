-- name: ExpiredInvitationCountAdd :exec
INSERT INTO expired_invitation_counts (month, kind, expired)
VALUES (date_trunc('month', @now::timestamptz)::date, @kind, 1)
ON CONFLICT (month, kind) DO UPDATE SET expired = expired_invitation_counts.expired + 1;

-- name: ExpiredInvitationCountTotal :one
SELECT coalesce(sum(expired), 0)::bigint FROM expired_invitation_counts;

-- name: ReportFunnel :many
-- The funnel of the people who registered from @from_month to @to_month
-- (firsts of months): how many reached each stage, with any organisation
-- (org_id NULL) or with one, and the median days from the stage before
-- (report_medians(): 0 intervals where nobody reached it with a date).
-- report_funnel() and report_medians() decide who may ask.
SELECT f.stage::text AS stage, f.people::bigint AS people,
       coalesce(m.median_days, 0)::bigint AS median_days, coalesce(m.intervals, 0)::bigint AS intervals
FROM report_funnel(@from_month::date, @to_month::date, sqlc.narg(org_id)::uuid) WITH ORDINALITY AS f(stage, people, i)
LEFT JOIN report_medians(@from_month::date, @to_month::date, sqlc.narg(org_id)::uuid) m ON m.stage = f.stage
ORDER BY f.i;

-- name: ReportBreakdown :many
-- The people who registered from @from_month to @to_month by @dimension
-- and the furthest stage they reached (report_breakdown()).
SELECT b.key::text AS key, b.furthest::text AS furthest, b.people::bigint AS people
FROM report_breakdown(@from_month::date, @to_month::date, @dimension::text) b;

-- name: OrgNameOf :one
-- An organisation's name, whoever asks (org_name()).
SELECT coalesce(org_name(@id::uuid), '')::text AS name;

-- name: ReportFollowUps :many
-- The follow-up of the placements that started from @from_month to
-- @to_month, with any organisation or one (report_follow_ups()).
SELECT f.months::integer AS months, f.placed::bigint AS placed, f.in_post::bigint AS in_post,
       f.not_in_post::bigint AS not_in_post, f.no_answer::bigint AS no_answer
FROM report_follow_ups(@from_month::date, @to_month::date, sqlc.narg(org_id)::uuid) f;

-- name: ProgrammeView :many
-- The operator's view of the programme: organisations by onboarding, by
-- agreement and active or not; what waits for the operator (spot checks,
-- the moderation queue, data requests, information requests). Read as
-- the operator, who reads every row.
SELECT 'onboarding'::text AS dimension, o.onboarding::text AS key, count(*)::bigint AS n FROM organisations o GROUP BY 2
UNION ALL
SELECT 'agreement', CASE WHEN NOT st.has_agreement THEN 'none' WHEN st.version_accepted THEN 'current' ELSE 'retired_version' END, count(*)
FROM organisations o CROSS JOIN LATERAL org_standing(NULL::uuid, o.id) st GROUP BY 2
UNION ALL
SELECT 'organisations', CASE WHEN o.active THEN 'active' ELSE 'inactive' END, count(*) FROM organisations o GROUP BY 2
UNION ALL
SELECT 'spot_checks', 'open', count(*) FROM spot_checks k WHERE k.outcome IS NULL
UNION ALL
SELECT 'moderation', 'open', count(*) FROM message_reports r WHERE r.decision IS NULL
UNION ALL
SELECT 'data_requests', d.state, count(*) FROM data_requests d WHERE d.state <> 'answered' GROUP BY 2
UNION ALL
SELECT 'info_requests', i.state, count(*) FROM info_requests i WHERE i.state IN ('received', 'acknowledged') GROUP BY 2
UNION ALL
SELECT 'info_requests', 'flagged', count(*) FROM info_requests i WHERE i.flagged;

-- name: OrgNamesOf :many
-- The names of the organisations @ids, whoever asks (org_name()), in the
-- order of @ids.
SELECT coalesce(org_name(k.id), '')::text AS name
FROM unnest(@ids::uuid[]) WITH ORDINALITY AS k(id, n)
ORDER BY k.n;
