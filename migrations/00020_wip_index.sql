-- Work in progress is read from one index: the unbilled entries, by client
-- and work date, carrying the person, the minutes, the value and the draft invoice it
-- may be on. A report
-- by client, person or month then reads only the index (an index-only
-- scan), never the table, which keeps /wip fast at a million entries
-- without a summary table to keep exact. The index already existed without
-- the included columns, so logging and approving pay no extra index.

-- +goose Up
DROP INDEX time_entries_unbilled;
CREATE INDEX time_entries_unbilled ON time_entries (practice_id, entity_id, work_date)
    INCLUDE (member_id, minutes, value, invoice_id) WHERE billing_state = 'unbilled';

-- +goose Down
DROP INDEX time_entries_unbilled;
CREATE INDEX time_entries_unbilled ON time_entries (practice_id, entity_id, work_date) WHERE billing_state = 'unbilled';
