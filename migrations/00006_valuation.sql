-- The value rule in one place for SQL: the value of logged minutes at an
-- hourly rate, after the practice's rounding of the minutes (up, nearest or
-- none, to an increment), to the penny. Package timesheet's Value is the
-- same rule in Go, and a test holds the two equal. Declared as a plain SQL
-- function so the planner inlines it.

-- +goose Up
CREATE FUNCTION time_value(minutes integer, hourly_rate numeric, increment integer, mode text)
    RETURNS numeric
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN round(hourly_rate * (CASE
        WHEN increment <= 1 OR mode = 'none' OR minutes <= 0 THEN minutes
        WHEN mode = 'nearest' THEN (minutes + increment / 2) / increment * increment
        ELSE (minutes + increment - 1) / increment * increment
    END) / 60, 2);

-- +goose Down
DROP FUNCTION time_value(integer, numeric, integer, text);
