-- The programme's funnel (issue 17; docs/decisions.md, "reports").
--
-- report_funnel() counts, for the people who registered in a span of
-- months, how many reached each stage of the journey: registered, then
-- interested, contacted, information day, work placement, interview,
-- offer, placed, with any organisation or with one. Live candidates and
-- ghost records count alike (reporting_people, reporting_outcomes; ghosts,
-- ghost_outcomes), so anonymising someone changes no figure.
--
-- It reads with the owner's rights: an organisation's figures include the
-- people it no longer sees (placed elsewhere, withdrawn, anonymised), and
-- the programme's figures everyone's. Who may ask for what is decided here
-- as well as in the Store: the operator and the engine for anything; an
-- organisation's users for their own organisation exactly, and for the
-- programme, which the Store releases to them only through
-- sim.ReleaseFunnel (disclosure control); nobody else.

-- +goose Up
-- +goose StatementBegin
CREATE FUNCTION report_funnel(from_month date, to_month date, org uuid)
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
  ), counted AS MATERIALIZED ( -- counted once, not once per stage
    SELECT r.n FROM cohort c JOIN reached r ON r.id = c.id
  )
  SELECT 'registered'::text, (SELECT count(*) FROM cohort)::bigint
  UNION ALL
  SELECT s.stage, (SELECT count(*) FROM counted WHERE counted.n >= s.i)::bigint
  FROM unnest(stages) WITH ORDINALITY AS s(stage, i);
END
$$;
-- +goose StatementEnd
REVOKE ALL ON FUNCTION report_funnel(date, date, uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION report_funnel(date, date, uuid) TO muster_app;

-- +goose Down
DROP FUNCTION report_funnel(date, date, uuid);
