-- The days between the funnel's stages, the people invited at its start,
-- and breakdowns by the organisations' type and region (issue 17; docs/decisions.md, "reports
-- at scale").
--
-- For each person and organisation they chose, the days from each stage
-- reached to the next one reached: from registering to choosing the
-- organisation, from choosing it to being contacted, and so on to the
-- placement (a stage skipped is measured from the last one reached before
-- it). report_gaps() is the one definition. A ghost record keeps these
-- intervals (ghost_outcomes.gaps: numbers of days, no dates), so that the
-- medians do not change when people are anonymised, as no count does.
-- They are counted as data (the 'gaps' cells of report_counts) and their
-- medians read from the counts (report_medians()), beside the same medians
-- computed from the base tables (report_medians_base()).

-- +goose Up
ALTER TABLE ghost_outcomes ADD COLUMN gaps integer[] CHECK (cardinality(gaps) = 7);
COMMENT ON COLUMN ghost_outcomes.gaps IS 'class=anonymous; category=statistics; seen_by=org,operator';

-- +goose StatementBegin
CREATE FUNCTION report_gaps(registered date, dates date[]) RETURNS integer[]
LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
  out integer[] := array_fill(NULL::integer, ARRAY[7]);
  prev date := registered;
BEGIN
  IF dates IS NULL THEN
    RETURN NULL;
  END IF;
  FOR s IN 1..7 LOOP
    IF dates[s] IS NOT NULL THEN
      IF prev IS NOT NULL THEN
        out[s] := greatest(dates[s] - prev, 0);
      END IF;
      prev := dates[s];
    END IF;
  END LOOP;
  RETURN out;
END
$$;
-- +goose StatementEnd
GRANT EXECUTE ON FUNCTION report_gaps(date, date[]) TO muster_app;

-- What a ghost takes from each of its person's interests: as before, and
-- the date each stage was first reached (dates: choosing the organisation,
-- then each stage), from which report_gaps() makes the intervals the ghost
-- keeps. (Not the intervals themselves: they need the registration date,
-- and a lookup per group made the planner aggregate every interest and
-- compile the plan, a second per anonymisation batch.)
CREATE OR REPLACE VIEW reporting_outcomes WITH (security_invoker = true) AS
SELECT i.candidate_id, i.org_id,
       (ARRAY['interested', 'contacted', 'information_day', 'work_placement', 'interview', 'offer', 'placed'])[
           max(CASE v.kind WHEN 'contacted' THEN 2 WHEN 'information_day' THEN 3 WHEN 'work_placement' THEN 4
               WHEN 'interview' THEN 5 WHEN 'offer' THEN 6 WHEN 'placed' THEN 7 ELSE 1 END)] AS furthest,
       max(date_trunc('month', v.occurred_on)::date) FILTER (WHERE v.kind = 'placed') AS placed_month,
       ARRAY[min((i.opened_at AT TIME ZONE 'UTC')::date),
             min(v.occurred_on) FILTER (WHERE v.kind = 'contacted'),
             min(v.occurred_on) FILTER (WHERE v.kind = 'information_day'),
             min(v.occurred_on) FILTER (WHERE v.kind = 'work_placement'),
             min(v.occurred_on) FILTER (WHERE v.kind = 'interview'),
             min(v.occurred_on) FILTER (WHERE v.kind = 'offer'),
             min(v.occurred_on) FILTER (WHERE v.kind = 'placed')] AS dates
FROM interests i
LEFT JOIN interventions v ON v.interest_id = i.id
GROUP BY i.candidate_id, i.org_id;

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION report_cells_of(persons uuid[]) RETURNS TABLE (person uuid, cell report_cell)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  WITH people AS MATERIALIZED (
    SELECT c.id, date_trunc('month', c.registered_at AT TIME ZONE 'UTC')::date AS m, (c.registered_at AT TIME ZONE 'UTC')::date AS d,
           age_band(c.date_of_birth, (c.registered_at AT TIME ZONE 'UTC')::date) AS age_band,
           c.connection, c.region, c.heard_about
    FROM candidates c WHERE c.id = ANY(persons) AND c.registered_at IS NOT NULL
    UNION ALL
    SELECT g.id, g.registered_month, NULL::date, g.age_band, g.connection, g.region, g.heard_about
    FROM ghosts g WHERE g.id = ANY(persons)
  ), pairs AS MATERIALIZED (
    SELECT i.candidate_id AS id, i.org_id,
           max(CASE v.kind WHEN 'contacted' THEN 2 WHEN 'information_day' THEN 3 WHEN 'work_placement' THEN 4
               WHEN 'interview' THEN 5 WHEN 'offer' THEN 6 WHEN 'placed' THEN 7 ELSE 1 END)::smallint AS n,
           max(date_trunc('month', v.occurred_on)::date) FILTER (WHERE v.kind = 'placed') AS placed_month,
           ARRAY[min((i.opened_at AT TIME ZONE 'UTC')::date),
                 min(v.occurred_on) FILTER (WHERE v.kind = 'contacted'),
                 min(v.occurred_on) FILTER (WHERE v.kind = 'information_day'),
                 min(v.occurred_on) FILTER (WHERE v.kind = 'work_placement'),
                 min(v.occurred_on) FILTER (WHERE v.kind = 'interview'),
                 min(v.occurred_on) FILTER (WHERE v.kind = 'offer'),
                 min(v.occurred_on) FILTER (WHERE v.kind = 'placed')] AS dates,
           NULL::integer[] AS gaps
    FROM interests i LEFT JOIN interventions v ON v.interest_id = i.id
    WHERE i.candidate_id = ANY(persons)
    GROUP BY i.candidate_id, i.org_id
    UNION ALL
    SELECT g.ghost_id, g.org_id,
           array_position(ARRAY['interested', 'contacted', 'information_day', 'work_placement', 'interview', 'offer', 'placed'], g.furthest)::smallint,
           g.placed_month, NULL::date[], g.gaps
    FROM ghost_outcomes g WHERE g.ghost_id = ANY(persons)
  ), answers AS (
    SELECT DISTINCT ON (i.candidate_id, i.org_id, f.months) i.candidate_id AS id, i.org_id, f.months, f.answer
    FROM follow_ups f JOIN interests i ON i.id = f.interest_id
    WHERE i.candidate_id = ANY(persons) AND f.answer IS NOT NULL
    ORDER BY i.candidate_id, i.org_id, f.months, f.answered_at DESC
  ), ghost_answers AS (
    SELECT g.ghost_id AS id, g.org_id, g.months, g.answer FROM ghost_follow_ups g WHERE g.ghost_id = ANY(persons)
  )
  SELECT p.id, ROW('people', p.m, '00000000-0000-0000-0000-000000000000'::uuid, d.dim, coalesce(d.key, ''),
                   coalesce(f.n, 0)::smallint, 0)::report_cell
  FROM people p
  LEFT JOIN (SELECT x.id, max(x.n) AS n FROM pairs x GROUP BY x.id) f ON f.id = p.id
  CROSS JOIN LATERAL (VALUES ('region', p.region), ('connection', p.connection), ('heard_about', p.heard_about), ('age_band', p.age_band)) d(dim, key)
  UNION ALL
  SELECT x.id, ROW('pairs', p.m, x.org_id, '', '', x.n, 0)::report_cell FROM pairs x JOIN people p ON p.id = x.id
  UNION ALL
  SELECT x.id, ROW('gaps', p.m, o.org_id, '', '', s.i::smallint, s.gap)::report_cell
  FROM pairs x JOIN people p ON p.id = x.id
  CROSS JOIN LATERAL unnest(coalesce(x.gaps, report_gaps(p.d, x.dates))) WITH ORDINALITY AS s(gap, i)
  CROSS JOIN LATERAL (VALUES (x.org_id), ('00000000-0000-0000-0000-000000000000'::uuid)) o(org_id)
  WHERE s.gap IS NOT NULL
  UNION ALL
  SELECT c.id, ROW('invited', date_trunc('month', c.invited_at AT TIME ZONE 'UTC')::date, '00000000-0000-0000-0000-000000000000'::uuid,
                   '', '', 0::smallint, 0)::report_cell
  FROM candidates c WHERE c.id = ANY(persons) AND c.registered_at IS NULL
  UNION ALL
  SELECT x.id, ROW('placed', x.placed_month, x.org_id, '', '', 7::smallint, 0)::report_cell FROM pairs x WHERE x.placed_month IS NOT NULL
  UNION ALL
  SELECT a.id, ROW('follow_ups', x.placed_month, a.org_id, 'answer', a.answer, a.months::smallint, 0)::report_cell
  FROM (SELECT * FROM answers UNION ALL SELECT * FROM ghost_answers) a
  JOIN pairs x ON x.id = a.id AND x.org_id = a.org_id
  WHERE x.placed_month IS NOT NULL
$$;
-- +goose StatementEnd

-- report_medians: for each stage, the median of the days from the stage
-- reached before it (percentile_disc(0.5): the smallest number of days
-- that at least half the intervals are no longer than), and how many
-- intervals it is the median of; for the people who registered in a span
-- of months, with any organisation or with one. Who may ask for what as
-- report_funnel().
-- +goose StatementBegin
CREATE FUNCTION report_medians(from_month date, to_month date, org uuid)
RETURNS TABLE (stage text, median_days integer, intervals bigint)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
#variable_conflict use_column
DECLARE
  stages CONSTANT text[] := ARRAY['interested', 'contacted', 'information_day', 'work_placement', 'interview', 'offer', 'placed'];
BEGIN
  IF NOT (app_is_staff() OR (app_role() IN ('org_admin', 'org_user') AND (org IS NULL OR org = app_org_id()))) THEN
    RAISE EXCEPTION 'reports are for the programme operator and organisations'' own figures' USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN QUERY
  WITH h AS (
    SELECT r.stage, r.days, sum(r.n) AS n FROM report_counts r
    WHERE r.cube = 'gaps' AND r.org_id = coalesce(org, '00000000-0000-0000-0000-000000000000') AND r.month BETWEEN from_month AND to_month
    GROUP BY r.stage, r.days HAVING sum(r.n) > 0
  ), c AS (
    SELECT h.stage, h.days, sum(h.n) OVER (PARTITION BY h.stage ORDER BY h.days) AS cum, sum(h.n) OVER (PARTITION BY h.stage) AS total FROM h
  )
  SELECT stages[c.stage], min(c.days) FILTER (WHERE c.cum * 2 >= c.total), max(c.total)::bigint
  FROM c GROUP BY c.stage ORDER BY c.stage;
END
$$;
-- +goose StatementEnd
REVOKE ALL ON FUNCTION report_medians(date, date, uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION report_medians(date, date, uuid) TO muster_app;

-- +goose StatementBegin
CREATE FUNCTION report_medians_base(from_month date, to_month date, org uuid)
RETURNS TABLE (stage text, median_days integer, intervals bigint)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
#variable_conflict use_column
DECLARE
  stages CONSTANT text[] := ARRAY['interested', 'contacted', 'information_day', 'work_placement', 'interview', 'offer', 'placed'];
BEGIN
  IF NOT (app_is_staff() OR (app_role() IN ('org_admin', 'org_user') AND (org IS NULL OR org = app_org_id()))) THEN
    RAISE EXCEPTION 'reports are for the programme operator and organisations'' own figures' USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN QUERY
  WITH pairs AS (
    SELECT p.registered_month AS m, o.org_id, report_gaps((c.registered_at AT TIME ZONE 'UTC')::date, o.dates) AS gaps
    FROM reporting_people p JOIN candidates c ON c.id = p.candidate_id JOIN reporting_outcomes o ON o.candidate_id = p.candidate_id
    UNION ALL
    SELECT g.registered_month, o.org_id, o.gaps FROM ghosts g JOIN ghost_outcomes o ON o.ghost_id = g.id
  )
  SELECT stages[s.i], percentile_disc(0.5) WITHIN GROUP (ORDER BY s.gap), count(*)::bigint
  FROM pairs x CROSS JOIN LATERAL unnest(x.gaps) WITH ORDINALITY AS s(gap, i)
  WHERE x.m BETWEEN from_month AND to_month AND (org IS NULL OR x.org_id = org) AND s.gap IS NOT NULL
  GROUP BY s.i ORDER BY s.i;
END
$$;
-- +goose StatementEnd
REVOKE ALL ON FUNCTION report_medians_base(date, date, uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION report_medians_base(date, date, uuid) TO muster_app;

-- Breakdowns by the organisations' type and region: each person and
-- organisation they chose, in the row of the organisation's type (or
-- region), at the furthest stage reached with it.
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION report_breakdown(from_month date, to_month date, dimension text)
RETURNS TABLE (key text, furthest text, people bigint)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
#variable_conflict use_column
DECLARE
  stages CONSTANT text[] := ARRAY['registered', 'interested', 'contacted', 'information_day', 'work_placement', 'interview', 'offer', 'placed'];
  nil CONSTANT uuid := '00000000-0000-0000-0000-000000000000';
BEGIN
  IF NOT (app_is_staff() OR app_role() IN ('org_admin', 'org_user')) THEN
    RAISE EXCEPTION 'reports are for the programme operator and organisations' USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF dimension = 'organisation' THEN
    RETURN QUERY
    SELECT r.org_id::text, stages[r.stage + 1], sum(r.n)::bigint FROM report_counts r
    WHERE r.cube = 'pairs' AND r.month BETWEEN from_month AND to_month
    GROUP BY 1, 2 HAVING sum(r.n) <> 0;
  ELSIF dimension IN ('organisation_type', 'organisation_region') THEN
    RETURN QUERY
    SELECT CASE dimension WHEN 'organisation_type' THEN o.type ELSE o.region END, stages[r.stage + 1], sum(r.n)::bigint
    FROM report_counts r JOIN organisations o ON o.id = r.org_id
    WHERE r.cube = 'pairs' AND r.month BETWEEN from_month AND to_month
    GROUP BY 1, 2 HAVING sum(r.n) <> 0;
  ELSIF dimension IN ('region', 'connection', 'heard_about', 'age_band') THEN
    RETURN QUERY
    SELECT r.key, stages[r.stage + 1], sum(r.n)::bigint FROM report_counts r
    WHERE r.cube = 'people' AND r.org_id = nil AND r.month BETWEEN from_month AND to_month AND r.dim = dimension
    GROUP BY 1, 2 HAVING sum(r.n) <> 0;
  ELSIF dimension = 'registered_month' THEN
    RETURN QUERY
    SELECT to_char(r.month, 'YYYY-MM'), stages[r.stage + 1], sum(r.n)::bigint FROM report_counts r
    WHERE r.cube = 'people' AND r.org_id = nil AND r.month BETWEEN from_month AND to_month AND r.dim = 'region'
    GROUP BY 1, 2 HAVING sum(r.n) <> 0;
  ELSE
    RAISE EXCEPTION 'no breakdown by %', dimension USING ERRCODE = 'invalid_parameter_value';
  END IF;
END
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION report_breakdown_base(from_month date, to_month date, dimension text)
RETURNS TABLE (key text, furthest text, people bigint)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
#variable_conflict use_column
DECLARE
  stages CONSTANT text[] := ARRAY['interested', 'contacted', 'information_day', 'work_placement', 'interview', 'offer', 'placed'];
BEGIN
  IF NOT (app_is_staff() OR app_role() IN ('org_admin', 'org_user')) THEN
    RAISE EXCEPTION 'reports are for the programme operator and organisations' USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF dimension IN ('organisation', 'organisation_type', 'organisation_region') THEN
    RETURN QUERY
    WITH cohort AS (
      SELECT p.candidate_id AS id FROM reporting_people p WHERE p.registered_month BETWEEN from_month AND to_month
      UNION ALL
      SELECT g.id FROM ghosts g WHERE g.registered_month BETWEEN from_month AND to_month
    ), pairs AS (
      SELECT o.candidate_id AS id, o.org_id, o.furthest FROM reporting_outcomes o
      UNION ALL
      SELECT g.ghost_id, g.org_id, g.furthest FROM ghost_outcomes g
    )
    SELECT CASE dimension WHEN 'organisation' THEN p.org_id::text WHEN 'organisation_type' THEN o.type ELSE o.region END,
           p.furthest, count(*)::bigint
    FROM cohort c JOIN pairs p ON p.id = c.id JOIN organisations o ON o.id = p.org_id GROUP BY 1, 2;
  ELSIF dimension IN ('region', 'connection', 'heard_about', 'age_band', 'registered_month') THEN
    RETURN QUERY
    WITH people AS (
      SELECT p.candidate_id AS id,
             CASE dimension WHEN 'region' THEN p.region WHEN 'connection' THEN p.connection WHEN 'heard_about' THEN p.heard_about
                            WHEN 'age_band' THEN p.age_band ELSE to_char(p.registered_month, 'YYYY-MM') END AS key
      FROM reporting_people p WHERE p.registered_month BETWEEN from_month AND to_month
      UNION ALL
      SELECT g.id,
             CASE dimension WHEN 'region' THEN g.region WHEN 'connection' THEN g.connection WHEN 'heard_about' THEN g.heard_about
                            WHEN 'age_band' THEN g.age_band ELSE to_char(g.registered_month, 'YYYY-MM') END
      FROM ghosts g WHERE g.registered_month BETWEEN from_month AND to_month
    ), reached AS (
      SELECT o.candidate_id AS id, max(array_position(stages, o.furthest)) AS n FROM reporting_outcomes o GROUP BY o.candidate_id
      UNION ALL
      SELECT g.ghost_id, max(array_position(stages, g.furthest)) FROM ghost_outcomes g GROUP BY g.ghost_id
    )
    SELECT coalesce(p.key, ''), coalesce(stages[r.n], 'registered'), count(*)::bigint
    FROM people p LEFT JOIN reached r ON r.id = p.id GROUP BY 1, 2;
  ELSE
    RAISE EXCEPTION 'no breakdown by %', dimension USING ERRCODE = 'invalid_parameter_value';
  END IF;
END
$$;
-- +goose StatementEnd

-- The funnel starts with the people invited: those who registered in the
-- period, the invitations still open that were sent in it (the 'invited'
-- cells: a candidate not yet registered) and the invitations that expired
-- unused in it (expired_invitation_counts, all that is left of them).
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION report_funnel(from_month date, to_month date, org uuid)
RETURNS TABLE (stage text, people bigint)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
#variable_conflict use_column
DECLARE
  stages CONSTANT text[] := ARRAY['interested', 'contacted', 'information_day', 'work_placement', 'interview', 'offer', 'placed'];
  nil CONSTANT uuid := '00000000-0000-0000-0000-000000000000';
BEGIN
  IF NOT (app_is_staff() OR (app_role() IN ('org_admin', 'org_user') AND (org IS NULL OR org = app_org_id()))) THEN
    RAISE EXCEPTION 'reports are for the programme operator and organisations'' own figures' USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN QUERY
  WITH registered AS (
    SELECT r.stage, sum(r.n) AS n FROM report_counts r
    WHERE r.cube = 'people' AND r.org_id = nil AND r.month BETWEEN from_month AND to_month AND r.dim = 'region'
    GROUP BY r.stage
  ), reached AS (
    SELECT r.stage, sum(r.n) AS n FROM report_counts r
    WHERE r.cube = 'pairs' AND r.org_id = org AND r.month BETWEEN from_month AND to_month
    GROUP BY r.stage
  ), counted AS (
    SELECT * FROM registered WHERE org IS NULL
    UNION ALL
    SELECT * FROM reached WHERE org IS NOT NULL
  )
  SELECT 'invited'::text, (coalesce((SELECT sum(g.n) FROM registered g), 0)
      + coalesce((SELECT sum(r.n) FROM report_counts r WHERE r.cube = 'invited' AND r.org_id = nil AND r.month BETWEEN from_month AND to_month), 0)
      + coalesce((SELECT sum(e.expired) FROM expired_invitation_counts e WHERE e.month BETWEEN from_month AND to_month), 0))::bigint
  UNION ALL
  SELECT 'registered'::text, coalesce((SELECT sum(g.n) FROM registered g), 0)::bigint
  UNION ALL
  SELECT s.stage, coalesce((SELECT sum(c.n) FROM counted c WHERE c.stage >= s.i), 0)::bigint
  FROM unnest(stages) WITH ORDINALITY AS s(stage, i);
END
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION report_funnel_base(from_month date, to_month date, org uuid)
RETURNS TABLE (stage text, people bigint)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
#variable_conflict use_column
DECLARE
  stages CONSTANT text[] := ARRAY['interested', 'contacted', 'information_day', 'work_placement', 'interview', 'offer', 'placed'];
BEGIN
  IF NOT (app_is_staff() OR (app_role() IN ('org_admin', 'org_user') AND (org IS NULL OR org = app_org_id()))) THEN
    RAISE EXCEPTION 'reports are for the programme operator and organisations'' own figures' USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN QUERY
  WITH cohort AS (
    SELECT p.candidate_id AS id FROM reporting_people p WHERE p.registered_month BETWEEN from_month AND to_month
    UNION ALL
    SELECT g.id FROM ghosts g WHERE g.registered_month BETWEEN from_month AND to_month
  ), reached AS (
    SELECT o.candidate_id AS id, max(array_position(stages, o.furthest)) AS n
    FROM reporting_outcomes o WHERE org IS NULL OR o.org_id = org GROUP BY o.candidate_id
    UNION ALL
    SELECT g.ghost_id, max(array_position(stages, g.furthest))
    FROM ghost_outcomes g WHERE org IS NULL OR g.org_id = org GROUP BY g.ghost_id
  ), counted AS MATERIALIZED (
    SELECT r.n FROM cohort c JOIN reached r ON r.id = c.id
  )
  SELECT 'invited'::text, ((SELECT count(*) FROM cohort)
      + (SELECT count(*) FROM candidates c WHERE c.registered_at IS NULL
           AND date_trunc('month', c.invited_at AT TIME ZONE 'UTC')::date BETWEEN from_month AND to_month)
      + coalesce((SELECT sum(e.expired) FROM expired_invitation_counts e WHERE e.month BETWEEN from_month AND to_month), 0))::bigint
  UNION ALL
  SELECT 'registered'::text, (SELECT count(*) FROM cohort)::bigint
  UNION ALL
  SELECT s.stage, (SELECT count(*) FROM counted WHERE counted.n >= s.i)::bigint
  FROM unnest(stages) WITH ORDINALITY AS s(stage, i);
END
$$;
-- +goose StatementEnd

SELECT report_rebuild();

-- +goose Down
-- The breakdowns keep the organisations' type and region, and the funnel
-- its invited stage.
DROP FUNCTION report_medians_base(date, date, uuid);
DROP FUNCTION report_medians(date, date, uuid);
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION report_cells_of(persons uuid[]) RETURNS TABLE (person uuid, cell report_cell)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  WITH people AS MATERIALIZED (
    SELECT c.id, date_trunc('month', c.registered_at AT TIME ZONE 'UTC')::date AS m,
           age_band(c.date_of_birth, (c.registered_at AT TIME ZONE 'UTC')::date) AS age_band,
           c.connection, c.region, c.heard_about
    FROM candidates c WHERE c.id = ANY(persons) AND c.registered_at IS NOT NULL
    UNION ALL
    SELECT g.id, g.registered_month, g.age_band, g.connection, g.region, g.heard_about
    FROM ghosts g WHERE g.id = ANY(persons)
  ), pairs AS MATERIALIZED (
    SELECT i.candidate_id AS id, i.org_id,
           max(CASE v.kind WHEN 'contacted' THEN 2 WHEN 'information_day' THEN 3 WHEN 'work_placement' THEN 4
               WHEN 'interview' THEN 5 WHEN 'offer' THEN 6 WHEN 'placed' THEN 7 ELSE 1 END)::smallint AS n,
           max(date_trunc('month', v.occurred_on)::date) FILTER (WHERE v.kind = 'placed') AS placed_month
    FROM interests i LEFT JOIN interventions v ON v.interest_id = i.id
    WHERE i.candidate_id = ANY(persons)
    GROUP BY i.candidate_id, i.org_id
    UNION ALL
    SELECT g.ghost_id, g.org_id,
           array_position(ARRAY['interested', 'contacted', 'information_day', 'work_placement', 'interview', 'offer', 'placed'], g.furthest)::smallint,
           g.placed_month
    FROM ghost_outcomes g WHERE g.ghost_id = ANY(persons)
  ), answers AS (
    SELECT DISTINCT ON (i.candidate_id, i.org_id, f.months) i.candidate_id AS id, i.org_id, f.months, f.answer
    FROM follow_ups f JOIN interests i ON i.id = f.interest_id
    WHERE i.candidate_id = ANY(persons) AND f.answer IS NOT NULL
    ORDER BY i.candidate_id, i.org_id, f.months, f.answered_at DESC
  ), ghost_answers AS (
    SELECT g.ghost_id AS id, g.org_id, g.months, g.answer FROM ghost_follow_ups g WHERE g.ghost_id = ANY(persons)
  )
  SELECT p.id, ROW('people', p.m, '00000000-0000-0000-0000-000000000000'::uuid, d.dim, coalesce(d.key, ''),
                   coalesce(f.n, 0)::smallint, 0)::report_cell
  FROM people p
  LEFT JOIN (SELECT x.id, max(x.n) AS n FROM pairs x GROUP BY x.id) f ON f.id = p.id
  CROSS JOIN LATERAL (VALUES ('region', p.region), ('connection', p.connection), ('heard_about', p.heard_about), ('age_band', p.age_band)) d(dim, key)
  UNION ALL
  SELECT x.id, ROW('pairs', p.m, x.org_id, '', '', x.n, 0)::report_cell FROM pairs x JOIN people p ON p.id = x.id
  UNION ALL
  SELECT x.id, ROW('placed', x.placed_month, x.org_id, '', '', 7::smallint, 0)::report_cell FROM pairs x WHERE x.placed_month IS NOT NULL
  UNION ALL
  SELECT a.id, ROW('follow_ups', x.placed_month, a.org_id, 'answer', a.answer, a.months::smallint, 0)::report_cell
  FROM (SELECT * FROM answers UNION ALL SELECT * FROM ghost_answers) a
  JOIN pairs x ON x.id = a.id AND x.org_id = a.org_id
  WHERE x.placed_month IS NOT NULL
$$;
-- +goose StatementEnd
DROP VIEW reporting_outcomes;
CREATE VIEW reporting_outcomes WITH (security_invoker = true) AS
SELECT i.candidate_id, i.org_id,
       (ARRAY['interested', 'contacted', 'information_day', 'work_placement', 'interview', 'offer', 'placed'])[
           max(CASE v.kind WHEN 'contacted' THEN 2 WHEN 'information_day' THEN 3 WHEN 'work_placement' THEN 4
               WHEN 'interview' THEN 5 WHEN 'offer' THEN 6 WHEN 'placed' THEN 7 ELSE 1 END)] AS furthest,
       max(date_trunc('month', v.occurred_on)::date) FILTER (WHERE v.kind = 'placed') AS placed_month
FROM interests i
LEFT JOIN interventions v ON v.interest_id = i.id
GROUP BY i.candidate_id, i.org_id;
GRANT SELECT ON reporting_outcomes TO muster_app;
DROP FUNCTION report_gaps(date, date[]);
ALTER TABLE ghost_outcomes DROP COLUMN gaps;
SELECT report_rebuild();
