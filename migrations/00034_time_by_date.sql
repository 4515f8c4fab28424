-- The board's workload sums each person's time over a week and over the
-- month, twice for every board drawn. No index led with the date, so each
-- sum read every entry of the practice: 6 ms over a year of 50 people's
-- time, growing with every month kept. This one serves both sums from the
-- index alone.

-- +goose Up
CREATE INDEX time_entries_date ON time_entries (practice_id, work_date) INCLUDE (member_id, minutes);

-- +goose Down
DROP INDEX time_entries_date;
