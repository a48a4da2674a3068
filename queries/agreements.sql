-- name: AgreementCreate :one
INSERT INTO org_agreements (id, org_id, version, signed_name, signatory_name, signatory_role, signed_on,
                            document, document_sha256, document_type, recorded_at, recorded_by)
VALUES (@id, @org_id, @version, @signed_name, @signatory_name, @signatory_role, @signed_on,
        sqlc.narg(document), sqlc.narg(document_sha256), sqlc.narg(document_type), @now, sqlc.narg(recorded_by))
RETURNING id, org_id, version, signed_name, signatory_name, signatory_role, signed_on, document_sha256, document_type, recorded_at;

-- name: AgreementList :many
-- An organisation's agreements, newest first.
SELECT id, org_id, version, signed_name, signatory_name, signatory_role, signed_on, document_sha256, document_type, recorded_at
FROM org_agreements WHERE org_id = @org_id
ORDER BY signed_on DESC, recorded_at DESC;

-- name: AgreementVersionGet :one
SELECT * FROM agreement_versions WHERE version = @version;

-- name: AgreementVersionList :many
SELECT * FROM agreement_versions ORDER BY added_at, version;

-- name: AgreementVersionCreate :exec
INSERT INTO agreement_versions (version, added_at) VALUES (@version, @now);

-- name: AgreementVersionRetire :execrows
UPDATE agreement_versions SET retired_at = @now WHERE version = @version AND retired_at IS NULL;
