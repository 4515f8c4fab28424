-- Approval: who returned an invoice and who voided it, and why; the run
-- whose summary an invoice belongs to; and a voided retainer invoice no
-- longer blocks its period, so the period can be invoiced again (a
-- deleted draft still does: the run never remakes what a manager deleted).

-- +goose Up
ALTER TABLE invoices
    ADD COLUMN run_period   date CHECK (extract(day FROM run_period) = 1),
    ADD COLUMN rejected_by  bigint,
    ADD COLUMN rejected_at  timestamptz,
    ADD COLUMN voided_by    bigint,
    ADD COLUMN void_reason  text NOT NULL DEFAULT '',
    ADD CONSTRAINT invoices_rejected_by_fkey FOREIGN KEY (practice_id, rejected_by) REFERENCES members (practice_id, id),
    ADD CONSTRAINT invoices_voided_by_fkey FOREIGN KEY (practice_id, voided_by) REFERENCES members (practice_id, id),
    ADD CONSTRAINT invoices_void_has_reason CHECK (status <> 'void' OR (voided_at IS NOT NULL AND void_reason <> ''));
UPDATE invoices SET run_period = coalesce(period, date_trunc('month', created_at)::date) WHERE made_by_run;
CREATE INDEX invoices_run ON invoices (practice_id, run_period) WHERE run_period IS NOT NULL;
-- An invoice's time, found by the invoice (to show it, approve it, void
-- it) and by its line (the foreign key's checks): one index serves both,
-- so an approval updating its entries maintains one index, not two.
DROP INDEX time_entries_line;
CREATE INDEX time_entries_invoice ON time_entries (practice_id, invoice_id, invoice_line_id) WHERE invoice_id IS NOT NULL;
DROP INDEX invoices_recurring_key;
CREATE UNIQUE INDEX invoices_recurring_key ON invoices (practice_id, entity_id, period) WHERE kind = 'recurring' AND status <> 'void';

-- An invoice number in the practice's format: the same rule as Go's
-- practice.FormatInvoiceNumber (a test holds the two equal), so that an
-- approval takes its number in the statement that approves. {SEQ:n} pads
-- to at least n digits and never cuts the number short.
CREATE FUNCTION invoice_number(format text, seq bigint, d date)
    RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN replace(replace(replace(replace(
             regexp_replace(format, '\{SEQ:([1-9])\}',
                 lpad(seq::text, greatest(coalesce((regexp_match(format, '\{SEQ:([1-9])\}'))[1]::int, 0), length(seq::text)), '0')),
             '{SEQ}', seq::text),
           '{YYYY}', to_char(d, 'YYYY')), '{YY}', to_char(d, 'YY')), '{MM}', to_char(d, 'MM'));

-- +goose Down
DROP FUNCTION invoice_number(text, bigint, date);
DROP INDEX time_entries_invoice;
DROP INDEX invoices_recurring_key;
CREATE UNIQUE INDEX invoices_recurring_key ON invoices (practice_id, entity_id, period) WHERE kind = 'recurring';
DROP INDEX invoices_run;
ALTER TABLE invoices
    DROP CONSTRAINT invoices_void_has_reason,
    DROP CONSTRAINT invoices_voided_by_fkey,
    DROP CONSTRAINT invoices_rejected_by_fkey,
    DROP COLUMN void_reason, DROP COLUMN voided_by, DROP COLUMN rejected_at, DROP COLUMN rejected_by, DROP COLUMN run_period;
