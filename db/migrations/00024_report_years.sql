-- The reports' counts summed by year as well as by month (issue 17;
-- docs/decisions.md, "reports at scale", fifth part).
--
-- A report over a span of months read one count per month, organisation,
-- stage and value in the span: over nine years, a hundred and eight
-- months of every cell, and at a million candidates nearly every cell is
-- filled, so a drill-down cost grew with the population until the cells
-- were all full. report_years keeps the same counts summed by calendar
-- year, changed by report_refresh() in the same transaction as the
-- months (after them, each in one order), and report_span() reads a span
-- as its whole years from report_years and the months at its edges from
-- report_counts: at most 22 months and one row a year, whatever the span.
-- The trend by month still reads every month.

-- +goose Up
-- No recount may commit between the copy of the months below and the
-- recount that keeps the years too (an instance serving while another
-- migrates): the counts are held still until this migration commits.
LOCK TABLE report_people, report_counts IN SHARE ROW EXCLUSIVE MODE;
CREATE TABLE report_years (
    cube   text NOT NULL,
    org_id uuid NOT NULL,
    year   date NOT NULL,
    dim    text NOT NULL,
    key    text NOT NULL,
    stage  smallint NOT NULL,
    days   integer NOT NULL,
    n      bigint NOT NULL,
    PRIMARY KEY (cube, org_id, year, dim, key, stage, days) INCLUDE (n)
);
COMMENT ON TABLE report_years IS 'The reports'' counts summed by calendar year (year: its first day): anonymous totals.';
COMMENT ON COLUMN report_years.cube IS 'class=anonymous; category=statistics; seen_by=operator';
COMMENT ON COLUMN report_years.org_id IS 'class=anonymous; category=statistics; seen_by=operator';
COMMENT ON COLUMN report_years.year IS 'class=anonymous; category=statistics; seen_by=operator';
COMMENT ON COLUMN report_years.dim IS 'class=anonymous; category=statistics; seen_by=operator';
COMMENT ON COLUMN report_years.key IS 'class=anonymous; category=statistics; seen_by=operator';
COMMENT ON COLUMN report_years.stage IS 'class=anonymous; category=statistics; seen_by=operator';
COMMENT ON COLUMN report_years.days IS 'class=anonymous; category=statistics; seen_by=operator';
COMMENT ON COLUMN report_years.n IS 'class=anonymous; category=statistics; seen_by=operator';
ALTER TABLE report_years ENABLE ROW LEVEL SECURITY;
CREATE POLICY report_years_read ON report_years FOR SELECT USING (app_is_staff());
GRANT SELECT ON report_years TO muster_app;
INSERT INTO report_years (cube, org_id, year, dim, key, stage, days, n)
SELECT r.cube, r.org_id, date_trunc('year', r.month)::date, r.dim, r.key, r.stage, r.days, sum(r.n)
FROM report_counts r GROUP BY 1, 2, 3, 4, 5, 6, 7;
-- The months at a span's edges of every organisation (the breakdowns by
-- organisation, its type and region; the programme's follow-ups): by
-- month first, so that each edge is one range of the index, as the
-- primary key is for one organisation's.
CREATE INDEX report_counts_by_month ON report_counts (cube, month, org_id, dim, key, stage, days) INCLUDE (n);

-- report_span is the counts of a span of months (from the first of
-- from_month's month to to_month): the whole calendar years inside it
-- from report_years (first: the first 1 January on or after from_month;
-- last: before the 1 January after the month after to_month), the months
-- before and after them from report_counts, in three index range scans. A
-- plain SQL function, so a report's query inlines it and its conditions
-- (cube, organisation, dimension) reach each scan; it reads with the
-- caller's rights (the report functions, the owner's).
-- +goose StatementBegin
CREATE FUNCTION report_span(from_month date, to_month date)
RETURNS TABLE (cube text, org_id uuid, month date, dim text, key text, stage smallint, days integer, n bigint)
LANGUAGE sql STABLE AS $$
  SELECT r.cube, r.org_id, r.month, r.dim, r.key, r.stage, r.days, r.n FROM report_counts r
  WHERE r.month >= from_month AND r.month <= to_month
    AND r.month < date_trunc('year', from_month + interval '1 year' - interval '1 day')::date
  UNION ALL
  SELECT y.cube, y.org_id, y.year, y.dim, y.key, y.stage, y.days, y.n FROM report_years y
  WHERE y.year >= date_trunc('year', from_month + interval '1 year' - interval '1 day')::date
    AND y.year < date_trunc('year', to_month + interval '1 month')::date
  UNION ALL
  SELECT r.cube, r.org_id, r.month, r.dim, r.key, r.stage, r.days, r.n FROM report_counts r
  WHERE r.month <= to_month AND r.month >= from_month
    AND r.month >= greatest(from_month, date_trunc('year', from_month + interval '1 year' - interval '1 day')::date,
                            date_trunc('year', to_month + interval '1 month')::date)
$$;
-- +goose StatementEnd
REVOKE ALL ON FUNCTION report_span(date, date) FROM PUBLIC;

-- report_refresh: as before, and the same changes to report_years.
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION report_refresh(persons uuid[]) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  emptied report_cell[];
  moved report_cell[];
  deltas bigint[];
BEGIN
  IF persons IS NULL OR cardinality(persons) = 0 THEN
    RETURN;
  END IF;
  WITH fresh AS MATERIALIZED (
    SELECT f.person, array_agg(f.cell ORDER BY f.cell) AS cells FROM report_cells_of(persons) f GROUP BY f.person
  ), old AS MATERIALIZED (
    SELECT r.person, r.cells FROM report_people r WHERE r.person = ANY(persons)
  ), gone AS (
    DELETE FROM report_people r WHERE r.person = ANY(persons) AND r.person NOT IN (SELECT fresh.person FROM fresh)
  ), kept AS (
    INSERT INTO report_people (person, cells) SELECT fresh.person, fresh.cells FROM fresh
    LEFT JOIN old ON old.person = fresh.person WHERE old.cells IS DISTINCT FROM fresh.cells
    ON CONFLICT (person) DO UPDATE SET cells = excluded.cells
  ), delta AS MATERIALIZED (
    SELECT (u.c).cube, (u.c).org_id, (u.c).month, (u.c).dim, (u.c).key, (u.c).stage, (u.c).days, sum(u.d) AS n
    FROM (SELECT c, 1 AS d FROM fresh, unnest(fresh.cells) c
          UNION ALL
          SELECT c, -1 FROM old, unnest(old.cells) c) u
    GROUP BY 1, 2, 3, 4, 5, 6, 7
    HAVING sum(u.d) <> 0
  ), counted AS (
    INSERT INTO report_counts AS r (cube, org_id, month, dim, key, stage, days, n)
    SELECT * FROM delta ORDER BY 1, 2, 3, 4, 5, 6, 7
    ON CONFLICT (cube, org_id, month, dim, key, stage, days) DO UPDATE SET n = r.n + excluded.n
    RETURNING r.*
  )
  SELECT (SELECT array_agg(ROW(c.cube, c.month, c.org_id, c.dim, c.key, c.stage, c.days)::report_cell) FROM counted c WHERE c.n = 0),
         array_agg(ROW(d.cube, d.month, d.org_id, d.dim, d.key, d.stage, d.days)::report_cell ORDER BY d.cube, d.org_id, d.month, d.dim, d.key, d.stage, d.days),
         array_agg(d.n ORDER BY d.cube, d.org_id, d.month, d.dim, d.key, d.stage, d.days)
  INTO emptied, moved, deltas FROM delta d;
  -- A cell nobody is in any more goes: it would say that somebody was
  -- once counted there.
  IF emptied IS NOT NULL THEN
    DELETE FROM report_counts r
    USING unnest(emptied) e
    WHERE r.cube = e.cube AND r.org_id = e.org_id AND r.month = e.month AND r.dim = e.dim AND r.key = e.key
      AND r.stage = e.stage AND r.days = e.days AND r.n = 0;
  END IF;
  IF moved IS NULL THEN
    RETURN;
  END IF;
  -- The same changes, summed by year: after the months (every recount
  -- locks its month counts, then its year counts, each in one order).
  WITH counted AS (
    INSERT INTO report_years AS r (cube, org_id, year, dim, key, stage, days, n)
    SELECT m.cube, m.org_id, date_trunc('year', m.month)::date, m.dim, m.key, m.stage, m.days, sum(b.n)
    FROM unnest(moved) WITH ORDINALITY AS m(cube, month, org_id, dim, key, stage, days, i)
    JOIN unnest(deltas) WITH ORDINALITY AS b(n, i) ON b.i = m.i
    GROUP BY 1, 2, 3, 4, 5, 6, 7
    HAVING sum(b.n) <> 0
    ORDER BY 1, 2, 3, 4, 5, 6, 7
    ON CONFLICT (cube, org_id, year, dim, key, stage, days) DO UPDATE SET n = r.n + excluded.n
    RETURNING r.*
  )
  SELECT array_agg(ROW(c.cube, c.year, c.org_id, c.dim, c.key, c.stage, c.days)::report_cell) INTO emptied
  FROM counted c WHERE c.n = 0;
  IF emptied IS NOT NULL THEN
    DELETE FROM report_years r
    USING unnest(emptied) e
    WHERE r.cube = e.cube AND r.org_id = e.org_id AND r.year = e.month AND r.dim = e.dim AND r.key = e.key
      AND r.stage = e.stage AND r.days = e.days AND r.n = 0;
  END IF;
END
$$;
-- +goose StatementEnd
REVOKE ALL ON FUNCTION report_refresh(uuid[]) FROM PUBLIC;

-- report_rebuild: as before, and report_years from the months.
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION report_rebuild() RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  chunk uuid[];
BEGIN
  LOCK TABLE report_people, report_counts, report_years IN EXCLUSIVE MODE;
  DELETE FROM report_people;
  DELETE FROM report_counts;
  DELETE FROM report_years;
  FOR chunk IN
    SELECT array_agg(x.id) FROM (
      SELECT y.id, (row_number() OVER (ORDER BY y.id) - 1) / 20000 AS b
      FROM (SELECT c.id FROM candidates c UNION ALL SELECT g.id FROM ghosts g) y) x
    GROUP BY x.b
  LOOP
    INSERT INTO report_people (person, cells)
    SELECT f.person, array_agg(f.cell ORDER BY f.cell) FROM report_cells_of(chunk) f GROUP BY f.person;
  END LOOP;
  INSERT INTO report_counts (cube, org_id, month, dim, key, stage, days, n)
  SELECT (c).cube, (c).org_id, (c).month, (c).dim, (c).key, (c).stage, (c).days, count(*)
  FROM report_people r, unnest(r.cells) c GROUP BY 1, 2, 3, 4, 5, 6, 7;
  INSERT INTO report_years (cube, org_id, year, dim, key, stage, days, n)
  SELECT r.cube, r.org_id, date_trunc('year', r.month)::date, r.dim, r.key, r.stage, r.days, sum(r.n)
  FROM report_counts r GROUP BY 1, 2, 3, 4, 5, 6, 7;
END
$$;
-- +goose StatementEnd

-- The reports read their spans through report_span(); the trend by month
-- still reads the months.
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION report_funnel(from_month date, to_month date, org uuid)
RETURNS TABLE (stage text, people bigint)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
#variable_conflict use_column
DECLARE
  stages CONSTANT text[] := ARRAY['interested', 'contacted', 'information_day', 'work_placement', 'interview', 'offer', 'placed'];
  nil CONSTANT uuid := '00000000-0000-0000-0000-000000000000';
BEGIN
  PERFORM report_may_ask(org);
  RETURN QUERY
  WITH registered AS (
    SELECT r.stage, sum(r.n) AS n FROM report_span(from_month, to_month) r
    WHERE r.cube = 'people' AND r.org_id = nil AND r.dim = 'region'
    GROUP BY r.stage
  ), reached AS (
    SELECT r.stage, sum(r.n) AS n FROM report_span(from_month, to_month) r
    WHERE r.cube = 'pairs' AND r.org_id = org
    GROUP BY r.stage
  ), counted AS (
    SELECT * FROM registered WHERE org IS NULL
    UNION ALL
    SELECT * FROM reached WHERE org IS NOT NULL
  )
  SELECT 'invited'::text, (coalesce((SELECT sum(g.n) FROM registered g), 0)
      + coalesce((SELECT sum(r.n) FROM report_span(from_month, to_month) r WHERE r.cube = 'invited' AND r.org_id = nil), 0)
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
CREATE OR REPLACE FUNCTION report_breakdown(from_month date, to_month date, dimension text)
RETURNS TABLE (key text, furthest text, people bigint)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
#variable_conflict use_column
DECLARE
  stages CONSTANT text[] := ARRAY['registered', 'interested', 'contacted', 'information_day', 'work_placement', 'interview', 'offer', 'placed'];
  nil CONSTANT uuid := '00000000-0000-0000-0000-000000000000';
BEGIN
  PERFORM report_may_ask(NULL);
  IF dimension = 'organisation' THEN
    RETURN QUERY
    SELECT r.org_id::text, stages[r.stage + 1], sum(r.n)::bigint FROM report_span(from_month, to_month) r
    WHERE r.cube = 'pairs'
    GROUP BY 1, 2 HAVING sum(r.n) <> 0;
  ELSIF dimension IN ('organisation_type', 'organisation_region') THEN
    RETURN QUERY
    SELECT CASE dimension WHEN 'organisation_type' THEN o.type ELSE o.region END, stages[r.stage + 1], sum(r.n)::bigint
    FROM report_span(from_month, to_month) r JOIN organisations o ON o.id = r.org_id
    WHERE r.cube = 'pairs'
    GROUP BY 1, 2 HAVING sum(r.n) <> 0;
  ELSIF dimension IN ('region', 'connection', 'heard_about', 'age_band') THEN
    RETURN QUERY
    SELECT r.key, stages[r.stage + 1], sum(r.n)::bigint FROM report_span(from_month, to_month) r
    WHERE r.cube = 'people' AND r.org_id = nil AND r.dim = dimension
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
CREATE OR REPLACE FUNCTION report_follow_ups(from_month date, to_month date, org uuid)
RETURNS TABLE (months integer, placed bigint, in_post bigint, not_in_post bigint, no_answer bigint)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
#variable_conflict use_column
BEGIN
  PERFORM report_may_ask(org);
  RETURN QUERY
  WITH placements AS (
    SELECT coalesce(sum(r.n), 0)::bigint AS n FROM report_span(from_month, to_month) r
    WHERE r.cube = 'placed' AND (org IS NULL OR r.org_id = org)
  ), answers AS (
    SELECT r.stage::integer AS months, r.key AS answer, sum(r.n) AS n FROM report_span(from_month, to_month) r
    WHERE r.cube = 'follow_ups' AND (org IS NULL OR r.org_id = org)
    GROUP BY 1, 2 HAVING sum(r.n) <> 0
  ), checkins AS (
    SELECT 3 AS months UNION SELECT 6 UNION SELECT 12 UNION SELECT DISTINCT a.months FROM answers a
  )
  SELECT c.months, (SELECT p.n FROM placements p),
         coalesce(sum(a.n) FILTER (WHERE a.answer = 'in_post'), 0)::bigint,
         coalesce(sum(a.n) FILTER (WHERE a.answer = 'not_in_post'), 0)::bigint,
         coalesce(sum(a.n) FILTER (WHERE a.answer = 'no_answer'), 0)::bigint
  FROM checkins c LEFT JOIN answers a ON a.months = c.months
  GROUP BY c.months ORDER BY c.months;
END
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION report_medians(from_month date, to_month date, org uuid)
RETURNS TABLE (stage text, median_days integer, intervals bigint)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
#variable_conflict use_column
DECLARE
  stages CONSTANT text[] := ARRAY['interested', 'contacted', 'information_day', 'work_placement', 'interview', 'offer', 'placed'];
BEGIN
  PERFORM report_may_ask(org);
  RETURN QUERY
  WITH h AS (
    SELECT r.stage, r.days, sum(r.n) AS n FROM report_span(from_month, to_month) r
    WHERE r.cube = 'gaps' AND r.org_id = coalesce(org, '00000000-0000-0000-0000-000000000000')
    GROUP BY r.stage, r.days HAVING sum(r.n) > 0
  ), c AS (
    SELECT h.stage, h.days, sum(h.n) OVER (PARTITION BY h.stage ORDER BY h.days) AS cum, sum(h.n) OVER (PARTITION BY h.stage) AS total FROM h
  )
  SELECT stages[c.stage], min(c.days) FILTER (WHERE c.cum * 2 >= c.total), max(c.total)::bigint
  FROM c GROUP BY c.stage ORDER BY c.stage;
END
$$;
-- +goose StatementEnd

-- +goose Down
-- The reports, the recount and the rebuild as migration 00023 left them.
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION report_funnel(from_month date, to_month date, org uuid)
RETURNS TABLE (stage text, people bigint)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
#variable_conflict use_column
DECLARE
  stages CONSTANT text[] := ARRAY['interested', 'contacted', 'information_day', 'work_placement', 'interview', 'offer', 'placed'];
  nil CONSTANT uuid := '00000000-0000-0000-0000-000000000000';
BEGIN
  PERFORM report_may_ask(org);
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
CREATE OR REPLACE FUNCTION report_breakdown(from_month date, to_month date, dimension text)
RETURNS TABLE (key text, furthest text, people bigint)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
#variable_conflict use_column
DECLARE
  stages CONSTANT text[] := ARRAY['registered', 'interested', 'contacted', 'information_day', 'work_placement', 'interview', 'offer', 'placed'];
  nil CONSTANT uuid := '00000000-0000-0000-0000-000000000000';
BEGIN
  PERFORM report_may_ask(NULL);
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
CREATE OR REPLACE FUNCTION report_follow_ups(from_month date, to_month date, org uuid)
RETURNS TABLE (months integer, placed bigint, in_post bigint, not_in_post bigint, no_answer bigint)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
#variable_conflict use_column
BEGIN
  PERFORM report_may_ask(org);
  RETURN QUERY
  WITH placements AS (
    SELECT coalesce(sum(r.n), 0)::bigint AS n FROM report_counts r
    WHERE r.cube = 'placed' AND r.month BETWEEN from_month AND to_month AND (org IS NULL OR r.org_id = org)
  ), answers AS (
    SELECT r.stage::integer AS months, r.key AS answer, sum(r.n) AS n FROM report_counts r
    WHERE r.cube = 'follow_ups' AND r.month BETWEEN from_month AND to_month AND (org IS NULL OR r.org_id = org)
    GROUP BY 1, 2 HAVING sum(r.n) <> 0
  ), checkins AS (
    SELECT 3 AS months UNION SELECT 6 UNION SELECT 12 UNION SELECT DISTINCT a.months FROM answers a
  )
  SELECT c.months, (SELECT p.n FROM placements p),
         coalesce(sum(a.n) FILTER (WHERE a.answer = 'in_post'), 0)::bigint,
         coalesce(sum(a.n) FILTER (WHERE a.answer = 'not_in_post'), 0)::bigint,
         coalesce(sum(a.n) FILTER (WHERE a.answer = 'no_answer'), 0)::bigint
  FROM checkins c LEFT JOIN answers a ON a.months = c.months
  GROUP BY c.months ORDER BY c.months;
END
$$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION report_medians(from_month date, to_month date, org uuid)
RETURNS TABLE (stage text, median_days integer, intervals bigint)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
#variable_conflict use_column
DECLARE
  stages CONSTANT text[] := ARRAY['interested', 'contacted', 'information_day', 'work_placement', 'interview', 'offer', 'placed'];
BEGIN
  PERFORM report_may_ask(org);
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
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION report_refresh(persons uuid[]) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  emptied report_cell[];
BEGIN
  IF persons IS NULL OR cardinality(persons) = 0 THEN
    RETURN;
  END IF;
  WITH fresh AS MATERIALIZED (
    SELECT f.person, array_agg(f.cell ORDER BY f.cell) AS cells FROM report_cells_of(persons) f GROUP BY f.person
  ), old AS MATERIALIZED (
    SELECT r.person, r.cells FROM report_people r WHERE r.person = ANY(persons)
  ), gone AS (
    DELETE FROM report_people r WHERE r.person = ANY(persons) AND r.person NOT IN (SELECT fresh.person FROM fresh)
  ), kept AS (
    INSERT INTO report_people (person, cells) SELECT fresh.person, fresh.cells FROM fresh
    LEFT JOIN old ON old.person = fresh.person WHERE old.cells IS DISTINCT FROM fresh.cells
    ON CONFLICT (person) DO UPDATE SET cells = excluded.cells
  ), delta AS (
    SELECT (u.c).cube, (u.c).org_id, (u.c).month, (u.c).dim, (u.c).key, (u.c).stage, (u.c).days, sum(u.d) AS n
    FROM (SELECT c, 1 AS d FROM fresh, unnest(fresh.cells) c
          UNION ALL
          SELECT c, -1 FROM old, unnest(old.cells) c) u
    GROUP BY 1, 2, 3, 4, 5, 6, 7
    HAVING sum(u.d) <> 0
  )
  , counted AS (
    INSERT INTO report_counts AS r (cube, org_id, month, dim, key, stage, days, n)
    SELECT * FROM delta ORDER BY 1, 2, 3, 4, 5, 6, 7
    ON CONFLICT (cube, org_id, month, dim, key, stage, days) DO UPDATE SET n = r.n + excluded.n
    RETURNING r.*
  )
  SELECT array_agg(ROW(c.cube, c.month, c.org_id, c.dim, c.key, c.stage, c.days)::report_cell) INTO emptied
  FROM counted c WHERE c.n = 0;
  -- A cell nobody is in any more goes: it would say that somebody was
  -- once counted there.
  IF emptied IS NOT NULL THEN
    DELETE FROM report_counts r
    USING unnest(emptied) e
    WHERE r.cube = e.cube AND r.org_id = e.org_id AND r.month = e.month AND r.dim = e.dim AND r.key = e.key
      AND r.stage = e.stage AND r.days = e.days AND r.n = 0;
  END IF;
END
$$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION report_rebuild() RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  chunk uuid[];
BEGIN
  LOCK TABLE report_people, report_counts IN EXCLUSIVE MODE;
  DELETE FROM report_people;
  DELETE FROM report_counts;
  FOR chunk IN
    SELECT array_agg(x.id) FROM (
      SELECT y.id, (row_number() OVER (ORDER BY y.id) - 1) / 20000 AS b
      FROM (SELECT c.id FROM candidates c UNION ALL SELECT g.id FROM ghosts g) y) x
    GROUP BY x.b
  LOOP
    INSERT INTO report_people (person, cells)
    SELECT f.person, array_agg(f.cell ORDER BY f.cell) FROM report_cells_of(chunk) f GROUP BY f.person;
  END LOOP;
  INSERT INTO report_counts (cube, org_id, month, dim, key, stage, days, n)
  SELECT (c).cube, (c).org_id, (c).month, (c).dim, (c).key, (c).stage, (c).days, count(*)
  FROM report_people r, unnest(r.cells) c GROUP BY 1, 2, 3, 4, 5, 6, 7;
END
$$;
-- +goose StatementEnd
DROP FUNCTION report_span(date, date);
DROP INDEX report_counts_by_month;
DROP TABLE report_years;
