-- A misspelt client ("vally") is looked for among the words of the
-- practice's clients (a few thousand, however many clients), not among the
-- clients themselves: at 50,000 clients a similarity score per client is
-- too slow for a type-ahead. The words are derived from search_text by the
-- statement triggers below; a word no client uses any more does no harm
-- (the clients are then found by the substring index, which knows better).

-- +goose Up
CREATE TABLE entity_words (
    practice_id text NOT NULL REFERENCES practices (id),
    word        text NOT NULL,
    PRIMARY KEY (practice_id, word)
);
CREATE INDEX entity_words_trgm ON entity_words USING gin (word gin_trgm_ops);

-- The words of a client's search_text that are looked for: three letters
-- or more.
-- +goose StatementBegin
CREATE FUNCTION search_words(search_text text) RETURNS SETOF text LANGUAGE sql IMMUTABLE AS $$
    SELECT w FROM regexp_split_to_table(search_text, '[|[:space:]]+') AS w WHERE length(w) >= 3
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION entity_words_add() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO entity_words (practice_id, word)
    SELECT DISTINCT n.practice_id, w FROM changed n, search_words(n.search_text) AS w
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER entity_words_insert AFTER INSERT ON entities
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION entity_words_add();
CREATE TRIGGER entity_words_update AFTER UPDATE ON entities
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION entity_words_add();

INSERT INTO entity_words (practice_id, word)
SELECT DISTINCT e.practice_id, w FROM entities e, search_words(e.search_text) AS w
ON CONFLICT DO NOTHING;

-- +goose Down
DROP TRIGGER entity_words_update ON entities;
DROP TRIGGER entity_words_insert ON entities;
DROP FUNCTION entity_words_add();
DROP FUNCTION search_words(text);
DROP TABLE entity_words;
