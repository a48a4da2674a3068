-- The reports' counts kept as data (issue 17; docs/decisions.md,
-- "reports at scale").
--
-- Every report counts people, or people and organisations, by a few coarse
-- facts: the month they registered, their region, Armed Forces connection,
-- where they heard of the programme, age band, how far they got with each
-- organisation, the month a placement started and the follow-up answers.
-- Counting those over a million candidates on every request costs a
-- second; here they are counted once, as the facts change, in the
-- transaction that changes them:
--
--   report_cells_of(persons) says which cells of which counts each person
--   (a live candidate or a ghost record) falls in, from the base tables:
--   the one definition of what a report counts.
--
--   report_people keeps, for each person, the cells they were last
--   counted in; report_counts keeps how many people are in each cell.
--
--   A change to a candidate's reported facts, an interest, an
--   intervention, a follow-up answer or a ghost record marks its person
--   (report_dirty, by statement-level triggers). At commit, a deferred
--   trigger recounts the marked people of the transaction at once:
--   their old cells out, their new cells in, in one ordered statement,
--   so two transactions never wait on each other's counts in opposite
--   orders, and counts are locked only for the instant of the commit.
--
-- So the counts are exact as of any committed moment, and a report reads
-- a few thousand rows whatever the number of candidates. Anonymising moves
-- a person's cells from the candidate to their ghost: no count changes.
-- report_rebuild() counts everyone again from the base tables (the loader
-- and a repair use it); report_*_base() are the reports computed from the
-- base tables, kept as the reference the tests and benchmarks compare with.

-- The funnel starts with the people invited and shows, from interested
-- on, the median days from the stage before: for each person and
-- organisation they chose, the days from each stage reached to the next
-- one reached (report_gaps() is the one definition). A ghost record keeps
-- these intervals (ghost_outcomes.gaps: numbers of days, no dates), so
-- that the medians do not change when people are anonymised either.

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

CREATE TYPE report_cell AS (
    cube   text,     -- people, pairs, gaps, invited, placed, follow_ups
    month  date,     -- the month registered (people, pairs, gaps), invited (invited) or placed (placed, follow_ups)
    org_id uuid,     -- the organisation, or the nil UUID for none
    dim    text,     -- people: region, connection, heard_about, age_band; follow_ups: answer
    key    text,     -- the dimension's value
    stage  smallint, -- furthest stage reached (0 registered, 1 interested ... 7 placed); follow_ups: months
    days   integer   -- gaps: the days from the stage reached before; 0 otherwise
);

CREATE TABLE report_people (
    person uuid PRIMARY KEY,
    cells  report_cell[] NOT NULL
);
COMMENT ON TABLE report_people IS 'The cells of the reports'' counts each person (a candidate, then their ghost) is counted in.';
COMMENT ON COLUMN report_people.person IS 'class=anonymous; category=statistics; seen_by=operator';
COMMENT ON COLUMN report_people.cells IS 'class=anonymous; category=statistics; seen_by=operator';
ALTER TABLE report_people ENABLE ROW LEVEL SECURITY;

CREATE TABLE report_counts (
    cube   text NOT NULL,
    org_id uuid NOT NULL,
    month  date NOT NULL,
    dim    text NOT NULL,
    key    text NOT NULL,
    stage  smallint NOT NULL,
    days   integer NOT NULL,
    n      bigint NOT NULL,
    -- n included: a report reads the counts from the index alone.
    PRIMARY KEY (cube, org_id, month, dim, key, stage, days) INCLUDE (n)
);
COMMENT ON TABLE report_counts IS 'How many people are in each cell of the reports'' counts: anonymous totals.';
COMMENT ON COLUMN report_counts.cube IS 'class=anonymous; category=statistics; seen_by=operator';
COMMENT ON COLUMN report_counts.org_id IS 'class=anonymous; category=statistics; seen_by=operator';
COMMENT ON COLUMN report_counts.month IS 'class=anonymous; category=statistics; seen_by=operator';
COMMENT ON COLUMN report_counts.dim IS 'class=anonymous; category=statistics; seen_by=operator';
COMMENT ON COLUMN report_counts.key IS 'class=anonymous; category=statistics; seen_by=operator';
COMMENT ON COLUMN report_counts.stage IS 'class=anonymous; category=statistics; seen_by=operator';
COMMENT ON COLUMN report_counts.days IS 'class=anonymous; category=statistics; seen_by=operator';
COMMENT ON COLUMN report_counts.n IS 'class=anonymous; category=statistics; seen_by=operator';
ALTER TABLE report_counts ENABLE ROW LEVEL SECURITY;

CREATE TABLE report_dirty (
    tx     xid8 NOT NULL DEFAULT pg_current_xact_id(),
    person uuid NOT NULL,
    PRIMARY KEY (tx, person)
);
COMMENT ON TABLE report_dirty IS 'The people whose counts the current transaction changes, recounted at its commit; empty between transactions.';
COMMENT ON COLUMN report_dirty.tx IS 'class=operational; category=statistics; seen_by=operator';
COMMENT ON COLUMN report_dirty.person IS 'class=operational; category=statistics; seen_by=operator';
ALTER TABLE report_dirty ENABLE ROW LEVEL SECURITY;
-- The operator may read the counts (they are anonymous totals); nobody
-- writes them but the functions below, with the owner's rights.
CREATE POLICY report_people_read ON report_people FOR SELECT USING (app_is_staff());
CREATE POLICY report_counts_read ON report_counts FOR SELECT USING (app_is_staff());
CREATE POLICY report_dirty_read ON report_dirty FOR SELECT USING (app_is_staff());
GRANT SELECT ON report_people, report_counts, report_dirty TO muster_app;

-- +goose StatementBegin
CREATE FUNCTION report_cells_of(persons uuid[]) RETURNS TABLE (person uuid, cell report_cell)
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
REVOKE ALL ON FUNCTION report_cells_of(uuid[]) FROM PUBLIC;

-- report_refresh recounts persons: takes their old cells out of the counts
-- and puts their new ones in. Callers hold the persons' locks (see
-- report_recount).
-- +goose StatementBegin
CREATE FUNCTION report_refresh(persons uuid[]) RETURNS void
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
REVOKE ALL ON FUNCTION report_refresh(uuid[]) FROM PUBLIC;

-- report_recount is the deferred trigger: it fires once per transaction,
-- at commit, for the mark (the nil UUID) report_mark leaves beside the
-- people, and recounts all of the transaction's marked people at once.
-- +goose StatementBegin
CREATE FUNCTION report_recount() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  persons uuid[];
BEGIN
  WITH marked AS (
    DELETE FROM report_dirty d WHERE d.tx = pg_current_xact_id() RETURNING d.person
  )
  SELECT array_agg(m.person ORDER BY m.person) FILTER (WHERE m.person <> '00000000-0000-0000-0000-000000000000')
  INTO persons FROM marked m;
  IF persons IS NULL THEN
    RETURN NULL;
  END IF;
  -- Two transactions recounting the same person must not both take the
  -- same old cells out: the second waits for the first to commit, then
  -- reads what it left (each statement below takes a new snapshot). The
  -- person's row of report_people is the lock, taken in one order. A
  -- person without one yet is being created by this very transaction (a
  -- new candidate or ghost: every committed candidate and ghost has
  -- cells), so nobody else can be recounting them. Row locks, not
  -- advisory ones: an anonymisation batch recounts thousands of people,
  -- more than the shared lock table holds.
  PERFORM 1 FROM report_people r WHERE r.person = ANY(persons) ORDER BY r.person FOR UPDATE;
  PERFORM report_refresh(persons);
  RETURN NULL;
END
$$;
-- +goose StatementEnd
CREATE CONSTRAINT TRIGGER report_recount AFTER INSERT ON report_dirty
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
    WHEN (NEW.person = '00000000-0000-0000-0000-000000000000') EXECUTE FUNCTION report_recount();

-- report_mark marks the people a statement's rows are about, and the
-- transaction as having people to recount. Its argument says where the
-- person is: a column of the row, or 'interest' for the candidate of the
-- row's interest_id, or 'candidate' for a candidate whose reported facts
-- changed. A second argument, 'child', is for a table whose rows are also
-- deleted by the cascade from a parent (a candidate's interests, an
-- interest's interventions, a ghost's outcomes): the parent's own trigger
-- marks the person, so the cascade (one statement per parent row, at a
-- deeper trigger level) marks nothing.
-- +goose StatementBegin
CREATE FUNCTION report_mark() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  sel text := CASE TG_ARGV[0]
    WHEN 'interest' THEN 'SELECT (SELECT i.candidate_id FROM interests i WHERE i.id = t.interest_id) FROM %1$s t'
    ELSE 'SELECT t.' || quote_ident(TG_ARGV[0]) || ' FROM %1$s t' END;
  marked bigint := 0;
  more bigint;
BEGIN
  IF TG_OP = 'DELETE' AND TG_NARGS > 1 AND TG_ARGV[1] = 'child' AND pg_trigger_depth() > 1 THEN
    RETURN NULL;
  END IF;
  IF TG_ARGV[0] = 'candidate' THEN
    INSERT INTO report_dirty (person)
    SELECT n.id FROM n JOIN o ON o.id = n.id
    WHERE (n.registered_at, n.date_of_birth, n.connection, n.region, n.heard_about)
          IS DISTINCT FROM (o.registered_at, o.date_of_birth, o.connection, o.region, o.heard_about)
    ON CONFLICT DO NOTHING;
    GET DIAGNOSTICS marked = ROW_COUNT;
  ELSE
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
      EXECUTE 'INSERT INTO report_dirty (person) SELECT DISTINCT p FROM (' || format(sel, 'n') || ') x(p) WHERE p IS NOT NULL ON CONFLICT DO NOTHING';
      GET DIAGNOSTICS more = ROW_COUNT;
      marked := marked + more;
    END IF;
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
      EXECUTE 'INSERT INTO report_dirty (person) SELECT DISTINCT p FROM (' || format(sel, 'o') || ') x(p) WHERE p IS NOT NULL ON CONFLICT DO NOTHING';
      GET DIAGNOSTICS more = ROW_COUNT;
      marked := marked + more;
    END IF;
  END IF;
  IF marked > 0 THEN
    INSERT INTO report_dirty (person) VALUES ('00000000-0000-0000-0000-000000000000') ON CONFLICT DO NOTHING;
  END IF;
  RETURN NULL;
END
$$;
-- +goose StatementEnd

CREATE TRIGGER report_mark_insert AFTER INSERT ON candidates REFERENCING NEW TABLE AS n FOR EACH STATEMENT EXECUTE FUNCTION report_mark('id');
CREATE TRIGGER report_mark_update AFTER UPDATE ON candidates REFERENCING NEW TABLE AS n OLD TABLE AS o FOR EACH STATEMENT EXECUTE FUNCTION report_mark('candidate');
CREATE TRIGGER report_mark_delete AFTER DELETE ON candidates REFERENCING OLD TABLE AS o FOR EACH STATEMENT EXECUTE FUNCTION report_mark('id');
CREATE TRIGGER report_mark_insert AFTER INSERT ON interests REFERENCING NEW TABLE AS n FOR EACH STATEMENT EXECUTE FUNCTION report_mark('candidate_id');
CREATE TRIGGER report_mark_update AFTER UPDATE ON interests REFERENCING NEW TABLE AS n OLD TABLE AS o FOR EACH STATEMENT EXECUTE FUNCTION report_mark('candidate_id');
CREATE TRIGGER report_mark_delete AFTER DELETE ON interests REFERENCING OLD TABLE AS o FOR EACH STATEMENT EXECUTE FUNCTION report_mark('candidate_id', 'child');
CREATE TRIGGER report_mark_insert AFTER INSERT ON interventions REFERENCING NEW TABLE AS n FOR EACH STATEMENT EXECUTE FUNCTION report_mark('interest');
CREATE TRIGGER report_mark_update AFTER UPDATE ON interventions REFERENCING NEW TABLE AS n OLD TABLE AS o FOR EACH STATEMENT EXECUTE FUNCTION report_mark('interest');
CREATE TRIGGER report_mark_delete AFTER DELETE ON interventions REFERENCING OLD TABLE AS o FOR EACH STATEMENT EXECUTE FUNCTION report_mark('interest', 'child');
CREATE TRIGGER report_mark_insert AFTER INSERT ON follow_ups REFERENCING NEW TABLE AS n FOR EACH STATEMENT EXECUTE FUNCTION report_mark('interest');
CREATE TRIGGER report_mark_update AFTER UPDATE ON follow_ups REFERENCING NEW TABLE AS n OLD TABLE AS o FOR EACH STATEMENT EXECUTE FUNCTION report_mark('interest');
CREATE TRIGGER report_mark_delete AFTER DELETE ON follow_ups REFERENCING OLD TABLE AS o FOR EACH STATEMENT EXECUTE FUNCTION report_mark('interest', 'child');
CREATE TRIGGER report_mark_insert AFTER INSERT ON ghosts REFERENCING NEW TABLE AS n FOR EACH STATEMENT EXECUTE FUNCTION report_mark('id');
CREATE TRIGGER report_mark_delete AFTER DELETE ON ghosts REFERENCING OLD TABLE AS o FOR EACH STATEMENT EXECUTE FUNCTION report_mark('id');
CREATE TRIGGER report_mark_insert AFTER INSERT ON ghost_outcomes REFERENCING NEW TABLE AS n FOR EACH STATEMENT EXECUTE FUNCTION report_mark('ghost_id');
CREATE TRIGGER report_mark_delete AFTER DELETE ON ghost_outcomes REFERENCING OLD TABLE AS o FOR EACH STATEMENT EXECUTE FUNCTION report_mark('ghost_id', 'child');
CREATE TRIGGER report_mark_insert AFTER INSERT ON ghost_follow_ups REFERENCING NEW TABLE AS n FOR EACH STATEMENT EXECUTE FUNCTION report_mark('ghost_id');
CREATE TRIGGER report_mark_delete AFTER DELETE ON ghost_follow_ups REFERENCING OLD TABLE AS o FOR EACH STATEMENT EXECUTE FUNCTION report_mark('ghost_id', 'child');

-- report_rebuild counts everyone again from the base tables, in chunks.
-- +goose StatementBegin
CREATE FUNCTION report_rebuild() RETURNS void
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
REVOKE ALL ON FUNCTION report_rebuild() FROM PUBLIC;

-- report_may_ask is who may ask for a report, checked by every report
-- function (they read with the owner's rights): the operator and the
-- engine for anything; an organisation's users for the programme's
-- figures (org NULL, which the Store releases to them only through
-- disclosure control) and their own organisation's; nobody else.
-- +goose StatementBegin
CREATE FUNCTION report_may_ask(org uuid) RETURNS void
LANGUAGE plpgsql STABLE AS $$
BEGIN
  IF NOT (app_is_staff() OR (app_role() IN ('org_admin', 'org_user') AND (org IS NULL OR org = app_org_id()))) THEN
    RAISE EXCEPTION 'reports are for the programme operator and organisations'' own figures' USING ERRCODE = 'insufficient_privilege';
  END IF;
END
$$;
-- +goose StatementEnd
GRANT EXECUTE ON FUNCTION report_may_ask(uuid) TO muster_app;

-- The reports from the base tables, as they were computed before: the
-- reference the counts are tested and measured against.
ALTER FUNCTION report_funnel(date, date, uuid) RENAME TO report_funnel_base;
ALTER FUNCTION report_breakdown(date, date, text) RENAME TO report_breakdown_base;
ALTER FUNCTION report_follow_ups(date, date, uuid) RENAME TO report_follow_ups_base;

-- The base-table references of what changes below: the funnel's invited
-- stage and the breakdowns by the organisations' type and region.
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION report_breakdown_base(from_month date, to_month date, dimension text)
RETURNS TABLE (key text, furthest text, people bigint)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
#variable_conflict use_column
DECLARE
  stages CONSTANT text[] := ARRAY['interested', 'contacted', 'information_day', 'work_placement', 'interview', 'offer', 'placed'];
BEGIN
  PERFORM report_may_ask(NULL);
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

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION report_funnel_base(from_month date, to_month date, org uuid)
RETURNS TABLE (stage text, people bigint)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
#variable_conflict use_column
DECLARE
  stages CONSTANT text[] := ARRAY['interested', 'contacted', 'information_day', 'work_placement', 'interview', 'offer', 'placed'];
BEGIN
  PERFORM report_may_ask(org);
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
  PERFORM report_may_ask(org);
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

-- The funnel starts with the people invited: those who registered in the
-- period, the invitations still open that were sent in it (the 'invited'
-- cells: a candidate not yet registered) and the invitations that expired
-- unused in it (expired_invitation_counts, all that is left of them).
-- +goose StatementBegin
CREATE FUNCTION report_funnel(from_month date, to_month date, org uuid)
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
REVOKE ALL ON FUNCTION report_funnel(date, date, uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION report_funnel(date, date, uuid) TO muster_app;

-- Breakdowns by the organisations' type and region: each person and
-- organisation they chose, in the row of the organisation's type (or
-- region), at the furthest stage reached with it.
-- +goose StatementBegin
CREATE FUNCTION report_breakdown(from_month date, to_month date, dimension text)
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
REVOKE ALL ON FUNCTION report_breakdown(date, date, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION report_breakdown(date, date, text) TO muster_app;

-- +goose StatementBegin
CREATE FUNCTION report_follow_ups(from_month date, to_month date, org uuid)
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
REVOKE ALL ON FUNCTION report_follow_ups(date, date, uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION report_follow_ups(date, date, uuid) TO muster_app;

SELECT report_rebuild();

-- +goose Down
-- The reports go back to the base tables; they keep the funnel's invited
-- stage, the breakdowns by the organisations' type and region, and
-- report_may_ask(), which they call.
DROP FUNCTION report_medians_base(date, date, uuid);
DROP FUNCTION report_medians(date, date, uuid);
DROP FUNCTION report_follow_ups(date, date, uuid);
DROP FUNCTION report_breakdown(date, date, text);
DROP FUNCTION report_funnel(date, date, uuid);
ALTER FUNCTION report_funnel_base(date, date, uuid) RENAME TO report_funnel;
ALTER FUNCTION report_breakdown_base(date, date, text) RENAME TO report_breakdown;
ALTER FUNCTION report_follow_ups_base(date, date, uuid) RENAME TO report_follow_ups;
DROP TRIGGER report_mark_insert ON candidates;
DROP TRIGGER report_mark_update ON candidates;
DROP TRIGGER report_mark_delete ON candidates;
DROP TRIGGER report_mark_insert ON interests;
DROP TRIGGER report_mark_update ON interests;
DROP TRIGGER report_mark_delete ON interests;
DROP TRIGGER report_mark_insert ON interventions;
DROP TRIGGER report_mark_update ON interventions;
DROP TRIGGER report_mark_delete ON interventions;
DROP TRIGGER report_mark_insert ON follow_ups;
DROP TRIGGER report_mark_update ON follow_ups;
DROP TRIGGER report_mark_delete ON follow_ups;
DROP TRIGGER report_mark_insert ON ghosts;
DROP TRIGGER report_mark_delete ON ghosts;
DROP TRIGGER report_mark_insert ON ghost_outcomes;
DROP TRIGGER report_mark_delete ON ghost_outcomes;
DROP TRIGGER report_mark_insert ON ghost_follow_ups;
DROP TRIGGER report_mark_delete ON ghost_follow_ups;
DROP FUNCTION report_rebuild();
DROP FUNCTION report_mark();
DROP TABLE report_dirty;
DROP FUNCTION report_recount();
DROP FUNCTION report_refresh(uuid[]);
DROP FUNCTION report_cells_of(uuid[]);
DROP TABLE report_counts, report_people;
DROP TYPE report_cell;
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
