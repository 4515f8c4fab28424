-- Time brought over from the software a practice used before Atlas. What
-- was invoiced there must never be invoiced again, so it gets a billing
-- state of its own: billed_elsewhere, billed but on no Atlas invoice. Work
-- in progress is 'unbilled' alone, so such time is never WIP.
--
-- The invoice check, CHECK ((billing_state = 'billed') = (invoice_id IS NOT
-- NULL)), stays as it is: it already holds billed_elsewhere time to no
-- invoice, and only 'billed' time to one.

-- +goose Up
ALTER TABLE time_entries
    DROP CONSTRAINT time_entries_billing_state_check,
    ADD CONSTRAINT time_entries_billing_state_check
        CHECK (billing_state IN ('unbilled', 'billed', 'written_off', 'non_billable', 'billed_elsewhere'));

-- +goose Down
-- Imported history becomes written off, the state nearest it that needs no
-- invoice, so it still never becomes work in progress.
UPDATE time_entries SET billing_state = 'written_off' WHERE billing_state = 'billed_elsewhere';
ALTER TABLE time_entries
    DROP CONSTRAINT time_entries_billing_state_check,
    ADD CONSTRAINT time_entries_billing_state_check
        CHECK (billing_state IN ('unbilled', 'billed', 'written_off', 'non_billable'));
