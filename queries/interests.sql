-- name: CandidateLockByUser :one
-- Serialises one candidate's changes to their interests and status.
SELECT * FROM candidates WHERE user_id = @user_id FOR UPDATE;

-- name: PledgedOrgsAmong :many
-- Which of the given organisations a candidate may choose now.
SELECT id FROM pledged_organisations WHERE id = ANY(@ids::uuid[]);

-- name: InterestGetForUpdate :one
SELECT * FROM interests WHERE candidate_id = @candidate_id AND org_id = @org_id FOR UPDATE;

-- name: InterestUpsert :one
-- A new interest, or one taken back chosen again: it starts afresh.
INSERT INTO interests (id, candidate_id, org_id, state, opened_at, updated_at)
VALUES (@id, @candidate_id, @org_id, 'interested', @now, @now)
ON CONFLICT (candidate_id, org_id) DO UPDATE
SET state = 'interested', interviewed = false, work_placed = false, opened_at = @now, updated_at = @now
RETURNING *;

-- name: InterestSetState :exec
UPDATE interests SET state = @state, interviewed = @interviewed, work_placed = @work_placed, updated_at = @now
WHERE id = @id;

-- name: InterestListForCandidate :many
-- A candidate's own choices, with the organisation's public name while it
-- is on the programme.
SELECT i.*, coalesce(p.name, '')::text AS org_name
FROM interests i LEFT JOIN pledged_organisations p ON p.id = i.org_id
WHERE i.candidate_id = @candidate_id
ORDER BY i.opened_at DESC, i.id DESC;

-- name: InterestForOrgForUpdate :one
-- The interest of a candidate in an organisation, with what visibility
-- needs to know, if the organisation sees the candidate.
SELECT sqlc.embed(i), c.status AS candidate_status, c.registered_at AS candidate_registered_at
FROM interests i JOIN candidates c ON c.id = i.candidate_id
WHERE i.org_id = @org_id AND i.candidate_id = @candidate_id
  AND app_view_open(i.org_view)
FOR UPDATE OF i;

-- name: CandidateSetPlaced :execrows
UPDATE candidates SET status = 'placed' WHERE id = @id AND status = 'registered';

-- name: CandidateSetStatus :exec
UPDATE candidates SET status = @status, updated_at = @now WHERE id = @id;

-- name: InterventionCreate :one
INSERT INTO interventions (id, interest_id, kind, occurred_on, ends_on, attended, direct, reason, recorded_by, recorded_at)
VALUES (@id, @interest_id, @kind, @occurred_on, sqlc.narg(ends_on), sqlc.narg(attended), @direct, sqlc.narg(reason), @recorded_by, @now)
RETURNING *;

-- name: InterventionListForInterest :many
SELECT * FROM interventions WHERE interest_id = @interest_id ORDER BY recorded_at, id;

-- name: CandidateProfileForOrg :one
-- A candidate's profile as an organisation sees it, if it does.
SELECT c.id, c.first_name, c.last_name, c.phone, c.connection, c.skills, c.job_preferences, c.region,
       c.registered_at, coalesce(app_candidate_email(c.id), '')::text AS email,
       i.id AS interest_id, i.state, i.interviewed, i.work_placed, i.opened_at, i.updated_at AS interest_updated_at
FROM interests i
JOIN candidates c ON c.id = i.candidate_id
WHERE i.org_id = @org_id AND i.candidate_id = @candidate_id
  AND app_view_open(i.org_view);

-- name: PlanForList :exec
-- Plans the rest of the transaction's statements once per connection and
-- walks the organisation's list index rather than sorting. The list's
-- optional filters ("$1 IS NULL OR ...") make Postgres expect almost no
-- rows, and for almost no rows reading the whole filtered list and sorting
-- it looks cheaper than walking the index from the cursor; but a keyset
-- page is never cheaper by sorting: the walk stops after the page, the
-- sort reads everything first. With sorting priced out, the one generic
-- plan is the walk, and it is reused instead of planned per request.
SELECT set_config('plan_cache_mode', 'force_generic_plan', true), set_config('enable_sort', 'off', true);

-- name: CandidateListForOrgNewest :many
-- The candidates an organisation sees, newest interest first; keyset on
-- (opened_at, interest id). Every bound on opened_at is an index
-- condition: the caller folds "until" into the cursor (the page starts
-- before whichever is earlier), sends every state for "any", and the
-- earliest time for no "since".
SELECT c.id, c.first_name, c.last_name, c.connection, c.region, c.skills,
       i.id AS interest_id, i.state, i.opened_at, i.updated_at
FROM interests i JOIN candidates c ON c.id = i.candidate_id
WHERE i.org_id = @org_id
  AND i.org_view IS NOT NULL AND app_view_open(i.org_view)
  AND (sqlc.narg(region)::text IS NULL OR c.region = sqlc.narg(region)::text)
  AND (sqlc.narg(connection)::text IS NULL OR c.connection = sqlc.narg(connection)::text)
  AND i.state = ANY(@states::text[])
  AND (sqlc.narg(skill)::text IS NULL OR EXISTS (
        SELECT 1 FROM unnest(c.skills) s WHERE s ILIKE sqlc.narg(skill)::text))
  AND (sqlc.narg(job)::text IS NULL OR c.job_preferences ILIKE sqlc.narg(job)::text)
  AND i.opened_at >= @since::timestamptz
  AND (i.opened_at, i.id) < (@before_at::timestamptz, @before_id::uuid)
ORDER BY i.opened_at DESC, i.id DESC
LIMIT @max_rows;

-- name: CandidateListForOrgOldest :many
-- CandidateListForOrgNewest, oldest interest first; the caller folds
-- "since" into the cursor.
SELECT c.id, c.first_name, c.last_name, c.connection, c.region, c.skills,
       i.id AS interest_id, i.state, i.opened_at, i.updated_at
FROM interests i JOIN candidates c ON c.id = i.candidate_id
WHERE i.org_id = @org_id
  AND i.org_view IS NOT NULL AND app_view_open(i.org_view)
  AND (sqlc.narg(region)::text IS NULL OR c.region = sqlc.narg(region)::text)
  AND (sqlc.narg(connection)::text IS NULL OR c.connection = sqlc.narg(connection)::text)
  AND i.state = ANY(@states::text[])
  AND (sqlc.narg(skill)::text IS NULL OR EXISTS (
        SELECT 1 FROM unnest(c.skills) s WHERE s ILIKE sqlc.narg(skill)::text))
  AND (sqlc.narg(job)::text IS NULL OR c.job_preferences ILIKE sqlc.narg(job)::text)
  AND i.opened_at < @until::timestamptz
  AND (i.opened_at, i.id) > (@after_at::timestamptz, @after_id::uuid)
ORDER BY i.opened_at, i.id
LIMIT @max_rows;
