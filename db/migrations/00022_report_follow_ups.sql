-- The placement follow-up report (issue 17; docs/decisions.md, "reports").
--
-- report_follow_ups() counts, for the placements whose job started in a
-- span of months (with any organisation, or with one), at each check-in
-- (3, 6 and 12 months by default, and any other the data holds): how many
-- placements there are, how many answered that they are still in post, no
-- longer in post, or did not answer. Live candidates and ghost records
-- count alike. Owner's rights and who may ask as report_funnel().

-- +goose Up
-- +goose StatementBegin
CREATE FUNCTION report_follow_ups(from_month date, to_month date, org uuid)
RETURNS TABLE (months integer, placed bigint, in_post bigint, not_in_post bigint, no_answer bigint)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
#variable_conflict use_column
BEGIN
  IF NOT (app_is_staff() OR (app_role() IN ('org_admin', 'org_user') AND (org IS NULL OR org = app_org_id()))) THEN
    RAISE EXCEPTION 'reports are for the programme operator and organisations'' own figures' USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN QUERY
  WITH placements AS MATERIALIZED (
    SELECT o.candidate_id AS id, o.org_id FROM reporting_outcomes o
    WHERE o.placed_month BETWEEN from_month AND to_month AND (org IS NULL OR o.org_id = org)
    UNION ALL
    SELECT g.ghost_id, g.org_id FROM ghost_outcomes g
    WHERE g.placed_month BETWEEN from_month AND to_month AND (org IS NULL OR g.org_id = org)
  ), answers AS MATERIALIZED (
    SELECT a.months, a.answer FROM placements p
    JOIN (SELECT f.candidate_id AS id, f.org_id, f.months, f.answer FROM reporting_follow_ups f
          UNION ALL
          SELECT g.ghost_id, g.org_id, g.months, g.answer FROM ghost_follow_ups g) a ON a.id = p.id AND a.org_id = p.org_id
  ), checkins AS (
    SELECT 3 AS months UNION SELECT 6 UNION SELECT 12 UNION SELECT DISTINCT a.months FROM answers a
  )
  SELECT c.months, (SELECT count(*) FROM placements)::bigint,
         count(a.answer) FILTER (WHERE a.answer = 'in_post')::bigint,
         count(a.answer) FILTER (WHERE a.answer = 'not_in_post')::bigint,
         count(a.answer) FILTER (WHERE a.answer = 'no_answer')::bigint
  FROM checkins c LEFT JOIN answers a ON a.months = c.months
  GROUP BY c.months ORDER BY c.months;
END
$$;
-- +goose StatementEnd
REVOKE ALL ON FUNCTION report_follow_ups(date, date, uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION report_follow_ups(date, date, uuid) TO muster_app;

-- +goose Down
DROP FUNCTION report_follow_ups(date, date, uuid);
