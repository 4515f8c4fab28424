-- Time tracking. A timer remembers the request that started it, so a
-- retried /timer start (a re-sent Slack envelope, a double click) finds its
-- own timer instead of stopping it and starting another. The timesheet reads
-- a person's entries by work date, newest first.

-- +goose Up
ALTER TABLE timers ADD COLUMN start_key text;
CREATE INDEX timers_started ON timers (practice_id, started_at) WHERE reminded_at IS NULL;

-- +goose Down
DROP INDEX timers_started;
ALTER TABLE timers DROP COLUMN start_key;
