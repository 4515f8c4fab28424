-- The inbox routes each email by the practice's clients (a code in the
-- plus address or the subject, a name in the subject), which it reads and
-- splits into words. Read afresh for every email, 5,000 clients made the
-- inbox the heaviest thing a replica did under load. Each replica now keeps
-- the list it read, under the version below, and reads it again only when
-- the version has moved: the triggers give the practice a new random
-- version whenever a client is added, removed, archived or restored, or
-- its code or name changes. Random, not counted, so a version is never
-- met again, in another database either.

-- +goose Up
CREATE TABLE client_list_versions (
    practice_id text PRIMARY KEY REFERENCES practices (id) ON DELETE CASCADE,
    version     uuid NOT NULL
);

-- +goose StatementBegin
CREATE FUNCTION client_list_versions_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO client_list_versions (practice_id, version)
    SELECT d.practice_id, gen_random_uuid() FROM (SELECT DISTINCT practice_id FROM changed) d
    ORDER BY d.practice_id
    ON CONFLICT (practice_id) DO UPDATE SET version = EXCLUDED.version;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

-- An update moves the version only when a row's code, name or archive
-- changed: other changes to a client (billing details, its manager) leave
-- the list as it was, and take no lock on the version row.
-- +goose StatementBegin
CREATE FUNCTION client_list_versions_bump_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO client_list_versions (practice_id, version)
    SELECT d.practice_id, gen_random_uuid()
      FROM (SELECT DISTINCT n.practice_id FROM new_rows n JOIN old_rows o ON o.id = n.id
             WHERE (o.code, o.name, o.archived_at) IS DISTINCT FROM (n.code, n.name, n.archived_at)) d
    ORDER BY d.practice_id
    ON CONFLICT (practice_id) DO UPDATE SET version = EXCLUDED.version;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

CREATE TRIGGER client_list_versions_insert AFTER INSERT ON entities
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION client_list_versions_bump();
CREATE TRIGGER client_list_versions_update AFTER UPDATE ON entities
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION client_list_versions_bump_changed();
CREATE TRIGGER client_list_versions_delete AFTER DELETE ON entities
    REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION client_list_versions_bump();

INSERT INTO client_list_versions (practice_id, version)
SELECT id, gen_random_uuid() FROM practices;

-- +goose Down
DROP TRIGGER client_list_versions_delete ON entities;
DROP TRIGGER client_list_versions_update ON entities;
DROP TRIGGER client_list_versions_insert ON entities;
DROP FUNCTION client_list_versions_bump_changed();
DROP FUNCTION client_list_versions_bump();
DROP TABLE client_list_versions;
