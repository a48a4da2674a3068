-- Placement follow-up: the check-ins that ask a placed candidate, months
-- after their start date, whether they are still in post. A row is
-- written when a check-in is asked; the candidate answers it, or the
-- engine records no answer after one reminder.

-- +goose Up
CREATE TABLE follow_ups (
    id          uuid PRIMARY KEY,
    interest_id uuid NOT NULL REFERENCES interests (id) ON DELETE CASCADE,
    months      integer NOT NULL CHECK (months BETWEEN 1 AND 60),
    due_on      date NOT NULL,
    asked_at    timestamptz NOT NULL,
    reminded_at timestamptz,
    answer      text CHECK (answer IN ('in_post', 'not_in_post', 'no_answer')),
    answered_at timestamptz,
    CHECK ((answer IS NULL) = (answered_at IS NULL)),
    UNIQUE (interest_id, months)
);
COMMENT ON TABLE follow_ups IS 'Check-ins after a placement: whether the person is still in post, for the reports.';
COMMENT ON COLUMN follow_ups.id IS 'class=operational; category=reporting';
COMMENT ON COLUMN follow_ups.interest_id IS 'class=operational; category=reporting';
COMMENT ON COLUMN follow_ups.months IS 'class=anonymous; category=reporting';
COMMENT ON COLUMN follow_ups.due_on IS 'class=operational; category=reporting';
COMMENT ON COLUMN follow_ups.asked_at IS 'class=operational; category=reporting';
COMMENT ON COLUMN follow_ups.reminded_at IS 'class=operational; category=reporting';
COMMENT ON COLUMN follow_ups.answer IS 'class=anonymous; category=reporting';
COMMENT ON COLUMN follow_ups.answered_at IS 'class=operational; category=reporting';

-- A candidate only answers an open check-in of their own; the rest is the
-- engine's.
-- +goose StatementBegin
CREATE FUNCTION follow_ups_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF app_is_staff() THEN
    RETURN NEW;
  END IF;
  IF OLD.answer IS NOT NULL OR NEW.answer NOT IN ('in_post', 'not_in_post')
     OR (NEW.id, NEW.interest_id, NEW.months, NEW.due_on, NEW.asked_at, NEW.reminded_at)
        IS DISTINCT FROM (OLD.id, OLD.interest_id, OLD.months, OLD.due_on, OLD.asked_at, OLD.reminded_at) THEN
    RAISE EXCEPTION 'a candidate only answers an open check-in' USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NEW;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER follow_ups_guard BEFORE UPDATE ON follow_ups FOR EACH ROW EXECUTE FUNCTION follow_ups_guard();

ALTER TABLE follow_ups ENABLE ROW LEVEL SECURITY;
ALTER TABLE follow_ups FORCE ROW LEVEL SECURITY;
CREATE POLICY follow_ups_read ON follow_ups FOR SELECT USING (
    app_is_staff()
    OR interest_id IN (SELECT i.id FROM interests i WHERE i.candidate_id = app_candidate_id()));
CREATE POLICY follow_ups_answer ON follow_ups FOR UPDATE
    USING (interest_id IN (SELECT i.id FROM interests i WHERE i.candidate_id = app_candidate_id()))
    WITH CHECK (interest_id IN (SELECT i.id FROM interests i WHERE i.candidate_id = app_candidate_id()));
CREATE POLICY follow_ups_engine ON follow_ups USING (app_role() = 'system') WITH CHECK (app_role() = 'system');
GRANT SELECT, INSERT, UPDATE, DELETE ON follow_ups TO muster_app;

-- +goose Down
DROP TABLE follow_ups;
DROP FUNCTION follow_ups_guard();
