-- The programme's people by one of their facts and how far they got
-- (issue 17; docs/decisions.md, "reports").
--
-- report_breakdown() is a table of counts for the people who registered in
-- a span of months: one row for each value of the dimension asked for
-- (region, Armed Forces connection, where they heard of the programme, age
-- band at registration, month of registration), one column for the
-- furthest stage each person reached with any organisation ('registered'
-- for no interest at all); or, by organisation, one row per organisation
-- and one column for the furthest stage each person reached with it. Each
-- person (or person and organisation) is in exactly one cell, so the rows
-- and columns add up, as disclosure control's complementary suppression
-- assumes. Live candidates and ghost records count alike; owner's rights,
-- as report_funnel(): the operator, the engine and organisations' users,
-- whose Store releases it to them only through sim.ReleaseTable.

-- +goose Up
-- +goose StatementBegin
CREATE FUNCTION report_breakdown(from_month date, to_month date, dimension text)
RETURNS TABLE (key text, furthest text, people bigint)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
#variable_conflict use_column
DECLARE
  stages CONSTANT text[] := ARRAY['interested', 'contacted', 'information_day', 'work_placement', 'interview', 'offer', 'placed'];
BEGIN
  IF NOT (app_is_staff() OR app_role() IN ('org_admin', 'org_user')) THEN
    RAISE EXCEPTION 'reports are for the programme operator and organisations' USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF dimension = 'organisation' THEN
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
    SELECT p.org_id::text, p.furthest, count(*)::bigint FROM cohort c JOIN pairs p ON p.id = c.id GROUP BY 1, 2;
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
REVOKE ALL ON FUNCTION report_breakdown(date, date, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION report_breakdown(date, date, text) TO muster_app;

-- +goose Down
DROP FUNCTION report_breakdown(date, date, text);
