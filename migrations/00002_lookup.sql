-- Client lookup at scale. search_text holds a client's code, name and
-- aliases, lower-cased and fenced with "|" ("|acme|acme trading ltd|the
-- anvil|"), kept by a trigger; one trigram index on it serves substring,
-- exact-name ("%|text|%") and typo-tolerant (<%) matching alike.

-- +goose Up
ALTER TABLE entities ADD COLUMN search_text text NOT NULL DEFAULT '';

-- +goose StatementBegin
CREATE FUNCTION entities_search_text() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.search_text := '|' || lower(NEW.code) || '|' || lower(NEW.name) || '|'
        || coalesce((SELECT string_agg(lower(a), '|') || '|' FROM unnest(NEW.aliases) a), '');
    RETURN NEW;
END $$;
-- +goose StatementEnd

CREATE TRIGGER entities_search_text BEFORE INSERT OR UPDATE OF code, name, aliases ON entities
    FOR EACH ROW EXECUTE FUNCTION entities_search_text();
UPDATE entities SET code = code;

DROP INDEX entities_name_trgm;
-- fastupdate off: a bulk import must not leave a pending list that every
-- type-ahead would then scan.
CREATE INDEX entities_search_trgm ON entities USING gin (search_text gin_trgm_ops) WITH (fastupdate = off);
CREATE INDEX rates_lookup ON rates (practice_id, entity_id, service_id, member_id, effective_from DESC);
CREATE UNIQUE INDEX members_practice_email ON members (practice_id, lower(email)) WHERE email IS NOT NULL AND active;

-- +goose Down
DROP INDEX members_practice_email;
DROP INDEX rates_lookup;
DROP INDEX entities_search_trgm;
CREATE INDEX entities_name_trgm ON entities USING gin (lower(name) gin_trgm_ops);
DROP TRIGGER entities_search_text ON entities;
DROP FUNCTION entities_search_text();
ALTER TABLE entities DROP COLUMN search_text;
