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

-- +goose StatementBegin
CREATE FUNCTION entity_words_add() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO entity_words (practice_id, word)
    SELECT DISTINCT n.practice_id, w
      FROM changed n, regexp_split_to_table(n.search_text, '[|[:space:]]+') AS w
     WHERE length(w) >= 3
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
SELECT DISTINCT e.practice_id, w FROM entities e, regexp_split_to_table(e.search_text, '[|[:space:]]+') AS w
 WHERE length(w) >= 3
ON CONFLICT DO NOTHING;

-- +goose Down
DROP TRIGGER entity_words_update ON entities;
DROP TRIGGER entity_words_insert ON entities;
DROP FUNCTION entity_words_add();
DROP TABLE entity_words;
