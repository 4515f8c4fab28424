-- Resolving a typed client in one round trip. entity_lookup does what
-- LookupEntity asks of the database: the client whose code is the text
-- (through the unique code index), else those with the text as an alias,
-- else the best few that contain it, ranked as SearchEntities ranks them.
-- Its statements keep one generic plan per connection: planned per call,
-- the substring search spends longer planning (estimating the pattern
-- against the column's statistics) than running, and the trigram index
-- serves it just as well with the pattern unknown to the planner.

-- +goose Up
-- +goose StatementBegin
CREATE FUNCTION entity_lookup(p_practice text, p_text text, p_pattern text, p_limit integer)
    RETURNS TABLE (entity_id bigint, exact boolean)
    LANGUAGE plpgsql STABLE ROWS 6
    SET plan_cache_mode = force_generic_plan
AS $$
BEGIN
    -- p_text is the typed text, lower-cased; p_pattern is it escaped for LIKE.
    -- Archived clients are found by code and alias, so they can be named.
    RETURN QUERY SELECT e.id, true FROM entities e
        WHERE e.practice_id = p_practice AND lower(e.code) = p_text;
    IF FOUND THEN
        RETURN;
    END IF;
    RETURN QUERY SELECT e.id, true FROM entities e
        WHERE e.practice_id = p_practice AND e.search_text LIKE '%|' || p_pattern || '|%'
          AND EXISTS (SELECT 1 FROM unnest(e.aliases) a WHERE lower(a) = p_text)
        ORDER BY e.archived_at IS NOT NULL, e.id;
    IF FOUND THEN
        RETURN;
    END IF;
    -- SearchEntities' order, less its first term: no code is the text here.
    RETURN QUERY SELECT e.id, false FROM entities e
        WHERE e.practice_id = p_practice AND e.archived_at IS NULL AND e.search_text LIKE '%' || p_pattern || '%'
        ORDER BY e.search_text LIKE '%|' || p_pattern || '|%' DESC,
                 lower(e.code) LIKE p_pattern || '%' DESC,
                 e.search_text LIKE '%|' || p_pattern || '%' DESC,
                 lower(e.name), e.id
        LIMIT p_limit;
END $$;
-- +goose StatementEnd

-- +goose Down
DROP FUNCTION entity_lookup(text, text, text, integer);
