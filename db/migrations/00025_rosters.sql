-- Quick registration (issue 18; docs/decisions.md, "quick registration"):
-- an organisation uploads the roster of people from the Armed Forces
-- community it already keeps. The rows are staged and checked here before
-- anything is imported: each row as render read it and sim checked it,
-- then what no row can know alone (the same email earlier in the file,
-- an address already registered or invited), set-based.

-- +goose Up
CREATE TABLE roster_imports (
    id             uuid PRIMARY KEY,
    org_id         uuid NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    uploaded_by    uuid REFERENCES users (id) ON DELETE SET NULL,
    content_sha256 bytea NOT NULL CHECK (length(content_sha256) = 32),
    format         text NOT NULL CHECK (format IN ('csv', 'xlsx')),
    state          text NOT NULL CHECK (state IN ('checked', 'imported', 'discarded')),
    rows_read      integer NOT NULL CHECK (rows_read >= 0),
    rows_valid     integer NOT NULL CHECK (rows_valid BETWEEN 0 AND rows_read),
    uploaded_at    timestamptz NOT NULL,
    decided_at     timestamptz,
    CHECK ((state = 'checked') = (decided_at IS NULL)),
    UNIQUE (id, org_id)
);
-- The same file to the same organisation is the same import, unless that
-- one was discarded (then it may be uploaded again).
CREATE UNIQUE INDEX roster_imports_file_key ON roster_imports (org_id, content_sha256) WHERE state <> 'discarded';
CREATE INDEX roster_imports_uploaded_by_idx ON roster_imports (uploaded_by);
CREATE INDEX roster_imports_org_idx ON roster_imports (org_id, uploaded_at DESC, id DESC);
COMMENT ON TABLE roster_imports IS 'An organisation''s uploaded rosters for quick registration: what was read and checked, and what was decided. No personal data.';
COMMENT ON COLUMN roster_imports.id IS 'class=operational; category=organisation; seen_by=org,operator';
COMMENT ON COLUMN roster_imports.org_id IS 'class=operational; category=organisation; seen_by=org,operator';
COMMENT ON COLUMN roster_imports.uploaded_by IS 'class=operational; category=organisation; seen_by=org,operator';
COMMENT ON COLUMN roster_imports.content_sha256 IS 'class=operational; category=organisation; seen_by=org,operator';
COMMENT ON COLUMN roster_imports.format IS 'class=operational; category=organisation; seen_by=org,operator';
COMMENT ON COLUMN roster_imports.state IS 'class=operational; category=organisation; seen_by=org,operator';
COMMENT ON COLUMN roster_imports.rows_read IS 'class=operational; category=organisation; seen_by=org,operator';
COMMENT ON COLUMN roster_imports.rows_valid IS 'class=operational; category=organisation; seen_by=org,operator';
COMMENT ON COLUMN roster_imports.uploaded_at IS 'class=operational; category=organisation; seen_by=org,operator';
COMMENT ON COLUMN roster_imports.decided_at IS 'class=operational; category=organisation; seen_by=org,operator';

-- The staged rows: the people of a roster until the import is decided
-- (they then become invitations, or go), and never longer than an
-- invitation's retention by their clock.
CREATE TABLE roster_rows (
    import_id  uuid NOT NULL,
    org_id     uuid NOT NULL,
    row        integer NOT NULL CHECK (row > 1),
    name       text NOT NULL,
    email      text NOT NULL, -- normalised; '' when it is not an address
    phone      text NOT NULL,
    connection text NOT NULL,
    region     text NOT NULL,
    consent    text NOT NULL,
    -- [{column, problem, warning}]: a warning leaves the row valid.
    problems   jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(problems) = 'array'),
    staged_at  timestamptz NOT NULL,
    PRIMARY KEY (import_id, row),
    FOREIGN KEY (import_id, org_id) REFERENCES roster_imports (id, org_id) ON DELETE CASCADE
);
CREATE INDEX roster_rows_staged_at_idx ON roster_rows (staged_at);
COMMENT ON TABLE roster_rows IS 'The people of an uploaded roster, staged and checked until the import is decided.';
COMMENT ON COLUMN roster_rows.import_id IS 'class=operational; category=invitation; subject=external:roster_person; seen_by=org,operator';
COMMENT ON COLUMN roster_rows.org_id IS 'class=operational; category=invitation; subject=external:roster_person; seen_by=org,operator';
COMMENT ON COLUMN roster_rows.row IS 'class=operational; category=invitation; subject=external:roster_person; seen_by=org,operator';
COMMENT ON COLUMN roster_rows.name IS 'class=identifying; category=invitation; subject=external:roster_person; seen_by=org,operator';
COMMENT ON COLUMN roster_rows.email IS 'class=contact; category=invitation; subject=external:roster_person; seen_by=org,operator';
COMMENT ON COLUMN roster_rows.phone IS 'class=contact; category=invitation; subject=external:roster_person; seen_by=org,operator';
COMMENT ON COLUMN roster_rows.connection IS 'class=operational; category=invitation; subject=external:roster_person; seen_by=org,operator';
COMMENT ON COLUMN roster_rows.region IS 'class=operational; category=invitation; subject=external:roster_person; seen_by=org,operator';
COMMENT ON COLUMN roster_rows.consent IS 'class=operational; category=invitation; subject=external:roster_person; seen_by=org,operator';
COMMENT ON COLUMN roster_rows.problems IS 'class=operational; category=invitation; subject=external:roster_person; seen_by=org,operator';
COMMENT ON COLUMN roster_rows.staged_at IS 'class=operational; category=invitation; subject=external:roster_person; seen_by=org,operator; retention=clock';

ALTER TABLE roster_imports ENABLE ROW LEVEL SECURITY;
ALTER TABLE roster_rows ENABLE ROW LEVEL SECURITY;
-- The organisation's administrators and the programme team; the engine
-- sweeps the staged rows by their clock.
CREATE POLICY roster_imports_own ON roster_imports
    USING (app_is_staff() OR (app_role() = 'org_admin' AND org_id = app_org_id()))
    WITH CHECK (app_role() = 'operator' OR (app_role() = 'org_admin' AND org_id = app_org_id()));
CREATE POLICY roster_rows_own ON roster_rows
    USING (app_is_staff() OR (app_role() = 'org_admin' AND org_id = app_org_id()))
    WITH CHECK (app_role() = 'operator' OR (app_role() = 'org_admin' AND org_id = app_org_id()));
GRANT SELECT, INSERT, UPDATE ON roster_imports TO muster_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON roster_rows TO muster_app;

-- roster_check adds to an import's staged rows what no row can know
-- alone: an address given earlier in the same file, one already
-- registered, one already invited (by anyone: the check reads every
-- account, invitation and candidate with the owner's rights, and says
-- only which rows, never whose), a possible duplicate of a candidate (a
-- warning: it leaves the row valid), and counts the rows left valid. The caller must be
-- able to see the import. It sets the import's counts of rows read and
-- valid, and returns the valid.
-- +goose StatementBegin
CREATE FUNCTION roster_check(import uuid) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  total integer;
  valid integer;
BEGIN
  IF NOT EXISTS (SELECT 1 FROM roster_imports i WHERE i.id = import
                 AND (app_is_staff() OR (app_role() = 'org_admin' AND i.org_id = app_org_id()))) THEN
    RAISE EXCEPTION 'no such roster import' USING ERRCODE = 'insufficient_privilege';
  END IF;
  WITH found AS (
    SELECT r.row,
           min(r.row) OVER (PARTITION BY r.email) AS first,
           EXISTS (SELECT 1 FROM users u WHERE u.email = r.email) AS registered,
           EXISTS (SELECT 1 FROM invitations v WHERE v.email = r.email AND v.used_at IS NULL) AS invited
    FROM roster_rows r WHERE r.import_id = import AND r.email <> ''
  ), said AS (
    SELECT f.row, jsonb_agg(jsonb_build_object('column', 'email', 'problem', p.problem) ORDER BY p.i) AS problems
    FROM found f
    CROSS JOIN LATERAL (VALUES
        (1, CASE WHEN f.first < f.row THEN 'is the same address as row ' || f.first END),
        (2, CASE WHEN f.registered THEN 'is already registered with the programme' END),
        (3, CASE WHEN f.invited AND NOT f.registered THEN 'already has an invitation waiting' END)) p(i, problem)
    WHERE p.problem IS NOT NULL
    GROUP BY f.row
  )
  UPDATE roster_rows r SET problems = r.problems || s.problems
  FROM said s WHERE r.import_id = import AND r.row = s.row;
  -- A possible duplicate (the name and the phone number of a candidate
  -- already here: the last ten digits, so +44 7700 … and 07700 … meet) is
  -- a warning, not a problem: flagged for the admin, never merged.
  WITH alike AS (
    SELECT DISTINCT r.row FROM roster_rows r
    JOIN candidates c ON lower(c.first_name || ' ' || c.last_name) = lower(r.name)
     AND right(regexp_replace(c.phone, '\D', '', 'g'), 10) = right(regexp_replace(r.phone, '\D', '', 'g'), 10)
    WHERE r.import_id = import AND length(regexp_replace(r.phone, '\D', '', 'g')) >= 7
  )
  UPDATE roster_rows r SET problems = r.problems || jsonb_build_array(jsonb_build_object(
      'column', 'name', 'problem', 'has the name and phone number of someone already registered: a possible duplicate', 'warning', true))
  FROM alike a WHERE r.import_id = import AND r.row = a.row;
  SELECT count(*), count(*) FILTER (WHERE NOT EXISTS (
      SELECT 1 FROM jsonb_array_elements(r.problems) e WHERE NOT coalesce((e->>'warning')::boolean, false)))
  INTO total, valid FROM roster_rows r WHERE r.import_id = import;
  UPDATE roster_imports SET rows_read = total, rows_valid = valid WHERE id = import;
  RETURN valid;
END
$$;
-- +goose StatementEnd
REVOKE ALL ON FUNCTION roster_check(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION roster_check(uuid) TO muster_app;

-- +goose Down
DROP FUNCTION roster_check(uuid);
DROP TABLE roster_rows;
DROP TABLE roster_imports;
