-- The privacy engine's hand-written statements: ghost records, the
-- reports' totals over live candidates and ghosts, the retention schedule,
-- what is due for retention, "who accessed my record" and erasure receipts.
-- The per-table statements driven by the data inventory are generated
-- into privacy.gen.sql.

-- name: GhostsCreate :many
-- Each registered candidate of @candidate_ids becomes one ghost, with a
-- new ID, made from what the reporting views say of them.
WITH m AS MATERIALIZED (
    SELECT p.candidate_id, gen_random_uuid() AS ghost_id,
           (SELECT (c.registered_at AT TIME ZONE 'UTC')::date FROM candidates c WHERE c.id = p.candidate_id) AS registered_on
    FROM reporting_people p
    WHERE p.candidate_id = ANY(@candidate_ids::uuid[])
), g AS (
    INSERT INTO ghosts (id, registered_month, age_band, connection, region, heard_about)
    SELECT m.ghost_id, p.registered_month, p.age_band, p.connection, p.region, p.heard_about
    FROM m JOIN reporting_people p ON p.candidate_id = m.candidate_id
), o AS (
    INSERT INTO ghost_outcomes (ghost_id, org_id, furthest, placed_month, gaps)
    SELECT m.ghost_id, o.org_id, o.furthest, o.placed_month, report_gaps(m.registered_on, o.dates)
    FROM m JOIN reporting_outcomes o ON o.candidate_id = m.candidate_id
), f AS (
    INSERT INTO ghost_follow_ups (ghost_id, org_id, months, answer)
    SELECT m.ghost_id, f.org_id, f.months, f.answer
    FROM m JOIN reporting_follow_ups f ON f.candidate_id = m.candidate_id
)
SELECT m.candidate_id FROM m;

-- name: PrivacySubjectsLock :many
-- The candidates of @candidate_ids still to anonymise, locked, with their
-- accounts: in ID order, so that two runs never deadlock.
SELECT c.id, c.user_id FROM candidates c
WHERE c.id = ANY(@candidate_ids::uuid[])
ORDER BY c.id
FOR UPDATE;

-- name: ReportingTotals :many
-- Every total the reports are built from, over live candidates and ghosts
-- together: people by each fact, outcomes by organisation and stage,
-- placements by organisation and month, follow-up answers.
SELECT 'registered_month'::text AS dimension, x.registered_month::text AS key, count(*)::bigint AS n
FROM (SELECT registered_month FROM reporting_people UNION ALL SELECT registered_month FROM ghosts) x GROUP BY 1, 2
UNION ALL
SELECT 'age_band', x.age_band, count(*) FROM (SELECT age_band FROM reporting_people UNION ALL SELECT age_band FROM ghosts) x GROUP BY 1, 2
UNION ALL
SELECT 'connection', x.connection, count(*) FROM (SELECT connection FROM reporting_people UNION ALL SELECT connection FROM ghosts) x GROUP BY 1, 2
UNION ALL
SELECT 'region', x.region, count(*) FROM (SELECT region FROM reporting_people UNION ALL SELECT region FROM ghosts) x GROUP BY 1, 2
UNION ALL
SELECT 'heard_about', x.heard_about, count(*) FROM (SELECT heard_about FROM reporting_people UNION ALL SELECT heard_about FROM ghosts) x GROUP BY 1, 2
UNION ALL
SELECT 'outcome', x.org_id::text || '/' || x.furthest, count(*)
FROM (SELECT org_id, furthest FROM reporting_outcomes UNION ALL SELECT org_id, furthest FROM ghost_outcomes) x GROUP BY 1, 2
UNION ALL
SELECT 'placed_month', x.org_id::text || '/' || x.placed_month::text, count(*)
FROM (SELECT org_id, placed_month FROM reporting_outcomes WHERE placed_month IS NOT NULL
      UNION ALL SELECT org_id, placed_month FROM ghost_outcomes WHERE placed_month IS NOT NULL) x GROUP BY 1, 2
UNION ALL
SELECT 'follow_up', x.org_id::text || '/' || x.months::text || '/' || x.answer, count(*)
FROM (SELECT org_id, months, answer FROM reporting_follow_ups UNION ALL SELECT org_id, months, answer FROM ghost_follow_ups) x GROUP BY 1, 2
ORDER BY 1, 2;

-- name: RetentionRules :many
SELECT * FROM retention_rules ORDER BY category;

-- name: RetentionRuleSet :one
UPDATE retention_rules SET keep_seconds = @keep_seconds, org_visible_seconds = @org_visible_seconds,
    updated_at = @now, updated_by = app_user_id()
WHERE category = @category
RETURNING *;

-- name: RetentionCandidatesDue :many
-- Registered candidates last active before @before, after @after in ID
-- order: a keyset batch of those the retention sweep anonymises.
SELECT c.id FROM candidates c
LEFT JOIN candidate_activity a ON a.candidate_id = c.id
WHERE c.registered_at IS NOT NULL AND c.id > @after::uuid
  AND coalesce(a.last_active_at, c.updated_at, c.registered_at) < @before::timestamptz
ORDER BY c.id
LIMIT @max_rows;

-- name: RetentionInvitationsExpire :one
-- Invitations past their window that nobody used: the invitee's details
-- go (the candidate row cascades to the invitation and its links) and the
-- anonymous count of expired invitations grows. What the Invitation
-- workflow does for each, for any it missed. At most @max_rows a time.
WITH due AS (
    SELECT i.candidate_id, i.kind, i.expires_at FROM invitations i
    JOIN candidates c ON c.id = i.candidate_id
    WHERE i.used_at IS NULL AND i.expires_at < @now::timestamptz AND c.status = 'invited'
    ORDER BY i.expires_at
    LIMIT @max_rows
    FOR UPDATE OF c SKIP LOCKED
), gone AS (
    DELETE FROM candidates c WHERE c.id IN (SELECT d.candidate_id FROM due d)
    RETURNING c.id
), counted AS (
    INSERT INTO expired_invitation_counts (month, kind, expired)
    SELECT date_trunc('month', d.expires_at)::date, d.kind, count(*)::integer
    FROM due d WHERE d.candidate_id IN (SELECT g.id FROM gone g) GROUP BY 1, 2
    ON CONFLICT (month, kind) DO UPDATE SET expired = expired_invitation_counts.expired + EXCLUDED.expired
)
SELECT count(*)::bigint FROM gone;

-- name: AccessLogForCandidate :many
-- Who looked at or acted on a candidate's record: the organisation (or
-- the programme team), the action and when; newest first, a keyset page
-- before @before_seq. Never who or from where.
SELECT a.seq::bigint AS seq, a.occurred_at, a.action, a.actor_role, coalesce(org_name(a.actor_org_id), '')::text AS org_name
FROM audit_events a
WHERE a.object_id IN (SELECT candidate_objects(@candidate_id::uuid)) AND a.seq < @before_seq::bigint
ORDER BY a.seq DESC
LIMIT @max_rows;

-- name: ErasureReceiptCreate :exec
INSERT INTO erasure_receipts (receipt, erased_at, requested_by) VALUES (@receipt, @erased_at, @requested_by)
ON CONFLICT (receipt) DO NOTHING;

-- name: ErasureRequestCreate :one
-- The candidate's request to be erased; false when one was made already.
WITH made AS (
    INSERT INTO erasure_requests (candidate_id, requested_at, requested_by) VALUES (@candidate_id, @now, @requested_by)
    ON CONFLICT (candidate_id) DO NOTHING
    RETURNING candidate_id
)
SELECT count(*) > 0 FROM made;

-- name: ErasureSubject :one
-- What the Erasure workflow needs of a candidate still to erase: their
-- account, and where the receipt goes.
SELECT c.id, c.user_id, u.email FROM candidates c
LEFT JOIN users u ON u.id = c.user_id
WHERE c.id = @candidate_id AND c.registered_at IS NOT NULL
FOR UPDATE OF c;

-- name: ErasureOpenInterestOrgs :many
-- The organisations that had an open interest of the candidate (one that
-- lapsed is closed: they no longer see the candidate): each is told that
-- a candidate left.
SELECT DISTINCT i.org_id FROM interests i
WHERE i.candidate_id = @candidate_id AND i.state NOT IN ('removed', 'not_progressed', 'lapsed')
ORDER BY i.org_id;

-- name: ErasurePlacedInterests :many
-- The candidate's placed interests: each has a follow-up to end.
SELECT i.id FROM interests i WHERE i.candidate_id = @candidate_id AND i.state = 'placed' ORDER BY i.id;

-- name: UserDisable :exec
UPDATE users SET disabled_at = coalesce(disabled_at, @now), updated_at = @now WHERE id = @id;

-- name: DataRequestCreate :one
INSERT INTO data_requests (id, kind, candidate_id, state, received_at, due_at, logged_by)
VALUES (@id, @kind, @candidate_id, 'open', @received_at, @due_at, sqlc.narg(logged_by))
RETURNING *;

-- name: DataRequestGetForUpdate :one
SELECT * FROM data_requests WHERE id = @id FOR UPDATE;

-- name: DataRequestGet :one
SELECT * FROM data_requests WHERE id = @id;

-- name: DataRequestSet :one
UPDATE data_requests SET state = @state, due_at = @due_at, extension = sqlc.narg(extension), answered_at = sqlc.narg(answered_at)
WHERE id = @id
RETURNING *;

-- name: DataRequestsOpenFirst :many
-- The register: requests by deadline, soonest first (answered ones too
-- when @include_answered), a keyset page after (@after_due, @after_id).
SELECT * FROM data_requests
WHERE (@include_answered::boolean OR state <> 'answered')
  AND (due_at, id) > (@after_due::timestamptz, @after_id::uuid)
ORDER BY due_at, id
LIMIT @max_rows;

-- name: DataRequestsForCandidate :many
SELECT * FROM data_requests WHERE candidate_id = @candidate_id ORDER BY received_at DESC, id;


-- name: InterestsLapse :one
-- Up to @max_rows open interests (not placements) on which nothing has
-- happened since @before, neither support recorded nor a message, lapse:
-- the organisation no longer sees the candidate through them. Each is a
-- journey event, the engine's.
WITH due AS (
    SELECT i.id, i.candidate_id, i.org_id, i.state FROM interests i
    LEFT JOIN threads t ON t.candidate_id = i.candidate_id AND t.org_id = i.org_id
    WHERE i.state IN ('interested', 'contacted', 'engaged', 'work_placement', 'interviewing', 'offered', 'not_progressed')
      AND greatest(i.updated_at, t.last_message_at) < @before::timestamptz
    ORDER BY i.id
    LIMIT @max_rows
    FOR UPDATE OF i SKIP LOCKED
), lapsed AS (
    UPDATE interests i SET state = 'lapsed', updated_at = @now::timestamptz
    WHERE i.id IN (SELECT d.id FROM due d)
    RETURNING i.id
), events AS (
    INSERT INTO journey_events (id, candidate_id, type, from_status, to_status, occurred_at, org_id, interest_id)
    SELECT gen_random_uuid(), d.candidate_id, 'interest.lapsed', d.state, 'lapsed', @now::timestamptz, d.org_id, d.id
    FROM due d WHERE d.id IN (SELECT l.id FROM lapsed l)
)
SELECT count(*)::bigint FROM lapsed;
