-- session_standing() (00015) finds the session's user first, then reads
-- their organisation's standing.
--
-- It was one query joining the session, its user and org_standing(). In
-- PL/pgSQL that query has one cached generic plan, and Postgres chose a
-- hash join over every organisation user (the users joined to their
-- organisations by a merge join) to meet the one session: 0.3 ms a call
-- on a 50-organisation cohort, growing with the number of organisation
-- users, on every authenticated request. Two statements leave the planner
-- nothing to choose: the session's user by the token's unique index, then
-- the standing of that user's organisation by its key (0.09 ms a call).

-- +goose Up
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION session_standing()
RETURNS TABLE (name text, active boolean, has_agreement boolean, agreement_version text, agreement_signed_name text,
               version_accepted boolean, conduct_accepted boolean)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  usr uuid;
  org uuid;
BEGIN
  SELECT u.id, u.org_id INTO usr, org FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = app_credential();
  IF org IS NOT NULL THEN
    RETURN QUERY SELECT * FROM org_standing(usr, org);
  END IF;
END
$$;
-- +goose StatementEnd

-- +goose Down
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION session_standing()
RETURNS TABLE (name text, active boolean, has_agreement boolean, agreement_version text, agreement_signed_name text,
               version_accepted boolean, conduct_accepted boolean)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
#variable_conflict use_column
BEGIN
  RETURN QUERY
  SELECT st.*
  FROM sessions s JOIN users u ON u.id = s.user_id
  CROSS JOIN LATERAL org_standing(u.id, u.org_id) st
  WHERE s.token_hash = app_credential() AND u.org_id IS NOT NULL;
END
$$;
-- +goose StatementEnd
