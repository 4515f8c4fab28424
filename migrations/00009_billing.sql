-- Billing: drafts made right every month. The practice's billing settings,
-- each client's fee history and retainer dates, services' VAT treatment,
-- the invoice lifecycle of BILLING.md, lines that keep the value of the
-- time they cover beside what they bill, entries that point at their line,
-- write-offs, and the record of each month's run.
--
-- An entry on a draft (or awaiting approval) invoice is still work in
-- progress: it keeps billing_state 'unbilled' and points at its line; it
-- becomes 'billed' when the invoice is approved. So the old rule "billed
-- exactly when it has an invoice" becomes two: billed needs an invoice, and
-- time that is written off, non-billable or billed before Atlas has none.

-- +goose Up

-- The practice's billing settings.
ALTER TABLE practices
    ADD COLUMN vat_registered   boolean NOT NULL DEFAULT false,
    ADD COLUMN vat_number       text CHECK (vat_number IS NULL OR vat_number <> ''),
    ADD COLUMN reduced_vat_rate numeric(5,2) NOT NULL DEFAULT 5.00 CHECK (reduced_vat_rate >= 0 AND reduced_vat_rate < 100),
    ADD COLUMN postal_address   text NOT NULL DEFAULT '',
    ADD COLUMN vat_rounding     text NOT NULL DEFAULT 'invoice' CHECK (vat_rounding IN ('invoice', 'line')),
    ADD COLUMN line_grouping    text NOT NULL DEFAULT 'service' CHECK (line_grouping IN ('service', 'entry')),
    ADD COLUMN billing_channel  text,
    ADD COLUMN billing_run_day  integer NOT NULL DEFAULT 1 CHECK (billing_run_day BETWEEN 1 AND 28);

-- A service's VAT treatment, and whether its time is billable at all
-- (internal work, training): the month-end review lists non-billable time
-- on billable services and the other way round.
ALTER TABLE services
    ADD COLUMN vat_treatment text NOT NULL DEFAULT 'standard'
        CHECK (vat_treatment IN ('standard', 'reduced', 'zero', 'exempt', 'outside')),
    ADD COLUMN billable boolean NOT NULL DEFAULT true;

-- Clients: an invoice day up to 31 (the month's last day where it is
-- shorter), retainer dates, the billing contact.
ALTER TABLE entities
    DROP CONSTRAINT entities_invoice_day_check,
    ADD CONSTRAINT entities_invoice_day_check CHECK (invoice_day BETWEEN 1 AND 31),
    ADD COLUMN retainer_start  date,
    ADD COLUMN retainer_end    date,
    ADD COLUMN billing_contact text NOT NULL DEFAULT '',
    ADD COLUMN billing_address text NOT NULL DEFAULT '',
    ADD CONSTRAINT entities_retainer_dates CHECK (retainer_end IS NULL OR retainer_start IS NULL OR retainer_end >= retainer_start);

-- The monthly fee, effective-dated like a rate: a period is billed at the
-- fee in force on its first day, so a rise never reprices an earlier one.
CREATE TABLE entity_fees (
    practice_id     text NOT NULL,
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    entity_id       bigint NOT NULL,
    monthly_fee     numeric(14,2) NOT NULL CHECK (monthly_fee >= 0),
    effective_from  date NOT NULL,
    created_by      bigint,
    created_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (practice_id, entity_id, effective_from),
    FOREIGN KEY (practice_id, entity_id) REFERENCES entities (practice_id, id) ON DELETE CASCADE,
    FOREIGN KEY (practice_id, created_by) REFERENCES members (practice_id, id)
);

-- A fee set before fee history existed starts with the first period
-- invoiced from today, so turning billing on bills no past month.
INSERT INTO entity_fees (practice_id, entity_id, monthly_fee, effective_from)
SELECT practice_id, id, monthly_fee,
       CASE WHEN invoice_timing = 'advance' AND invoice_day = 1 THEN next_invoice_month
            WHEN invoice_timing = 'advance' THEN next_invoice_month + interval '1 month'
            ELSE next_invoice_month - interval '1 month' END
  FROM (SELECT e.*, CASE WHEN extract(day FROM current_date) <= invoice_day
                         THEN date_trunc('month', current_date)
                         ELSE date_trunc('month', current_date) + interval '1 month' END AS next_invoice_month
          FROM entities e WHERE monthly_fee IS NOT NULL) e;
ALTER TABLE entities DROP COLUMN monthly_fee;

-- Invoices: the lifecycle of BILLING.md. A deleted draft is kept, marked
-- deleted, so the run never makes its period again and its audit stays.
ALTER TABLE invoices
    DROP CONSTRAINT invoices_status_check,
    ADD CONSTRAINT invoices_status_check CHECK (status IN
        ('draft', 'awaiting_approval', 'approved', 'sending', 'sent', 'part_paid', 'paid', 'void', 'deleted')),
    DROP CONSTRAINT invoices_check2,
    ADD CONSTRAINT invoices_number_on_approval CHECK ((status IN ('draft', 'awaiting_approval', 'deleted')) = (number IS NULL)),
    ADD COLUMN label          text NOT NULL DEFAULT '',
    ADD COLUMN up_to          date,
    ADD COLUMN made_by_run    boolean NOT NULL DEFAULT false,
    ADD COLUMN grouping       text NOT NULL DEFAULT 'service' CHECK (grouping IN ('service', 'entry')),
    ADD COLUMN vat_registered boolean NOT NULL DEFAULT false,
    ADD COLUMN vat_rounding   text NOT NULL DEFAULT 'invoice' CHECK (vat_rounding IN ('invoice', 'line')),
    ADD COLUMN preparer_id    bigint,
    ADD COLUMN created_by     bigint,
    ADD COLUMN submitted_at   timestamptz,
    ADD COLUMN reject_note    text NOT NULL DEFAULT '',
    ADD COLUMN revision       integer NOT NULL DEFAULT 0,
    ADD COLUMN deleted_at     timestamptz,
    ADD CONSTRAINT invoices_preparer_fkey FOREIGN KEY (practice_id, preparer_id) REFERENCES members (practice_id, id),
    ADD CONSTRAINT invoices_created_by_fkey FOREIGN KEY (practice_id, created_by) REFERENCES members (practice_id, id),
    ADD CONSTRAINT invoices_subtotal_check CHECK (subtotal >= 0),
    ADD CONSTRAINT invoices_hourly_period CHECK (kind <> 'hourly' OR up_to IS NOT NULL);

-- One retainer invoice per client and period, ever (a deleted or voided
-- one is not made again by the run), and one run-made hourly invoice per
-- client and month.
DROP INDEX invoices_recurring_key;
CREATE UNIQUE INDEX invoices_recurring_key ON invoices (practice_id, entity_id, period) WHERE kind = 'recurring';
CREATE UNIQUE INDEX invoices_hourly_run_key ON invoices (practice_id, entity_id, period) WHERE kind = 'hourly' AND made_by_run;
CREATE INDEX invoices_status ON invoices (practice_id, status, entity_id);

-- Lines: what kind, the VAT treatment and rate they carry, and the reason
-- for a write-up or write-down (amount − time_value).
ALTER TABLE invoice_lines
    ADD COLUMN kind          text NOT NULL DEFAULT 'time' CHECK (kind IN ('fee', 'time', 'adhoc')),
    ADD COLUMN vat_treatment text NOT NULL DEFAULT 'standard'
        CHECK (vat_treatment IN ('standard', 'reduced', 'zero', 'exempt', 'outside')),
    ADD COLUMN vat_rate      numeric(5,2) NOT NULL DEFAULT 0 CHECK (vat_rate >= 0 AND vat_rate < 100),
    ADD COLUMN note          text NOT NULL DEFAULT '',
    ADD COLUMN adjust_reason text NOT NULL DEFAULT '',
    ADD COLUMN member_id     bigint,
    ADD COLUMN work_date     date,
    ADD CONSTRAINT invoice_lines_amount_check CHECK (amount >= 0),
    ADD CONSTRAINT invoice_lines_member_fkey FOREIGN KEY (practice_id, member_id) REFERENCES members (practice_id, id),
    ADD CONSTRAINT invoice_lines_practice_invoice_id_key UNIQUE (practice_id, invoice_id, id);

-- Entries point at their line, and through it their invoice: the pair is
-- one foreign key, so an entry's invoice is always its line's.
ALTER TABLE time_entries
    ADD COLUMN invoice_line_id bigint,
    DROP CONSTRAINT time_entries_check,
    ADD CONSTRAINT time_entries_line_and_invoice CHECK ((invoice_id IS NULL) = (invoice_line_id IS NULL)),
    ADD CONSTRAINT time_entries_billed_on_invoice CHECK (billing_state <> 'billed' OR invoice_id IS NOT NULL),
    ADD CONSTRAINT time_entries_invoice_only_wip_or_billed CHECK (billing_state IN ('unbilled', 'billed') OR invoice_id IS NULL),
    ADD CONSTRAINT time_entries_line_fkey FOREIGN KEY (practice_id, invoice_id, invoice_line_id)
        REFERENCES invoice_lines (practice_id, invoice_id, id);
CREATE INDEX time_entries_line ON time_entries (practice_id, invoice_line_id) WHERE invoice_line_id IS NOT NULL;

-- Time taken off a draft and written off: its value, recorded as written
-- off, and why.
CREATE TABLE write_offs (
    practice_id  text NOT NULL,
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    entry_id     bigint NOT NULL,
    invoice_id   bigint,
    value        numeric(14,2) NOT NULL CHECK (value >= 0),
    reason       text NOT NULL DEFAULT '',
    written_by   bigint,
    at           timestamptz NOT NULL DEFAULT now(),
    UNIQUE (practice_id, entry_id),
    FOREIGN KEY (practice_id, entry_id) REFERENCES time_entries (practice_id, id),
    FOREIGN KEY (practice_id, invoice_id) REFERENCES invoices (practice_id, id),
    FOREIGN KEY (practice_id, written_by) REFERENCES members (practice_id, id)
);

-- Each month's hourly run, once: the row is claimed in the run's
-- transaction, so the daily job, a manager's /invoices run and a second
-- replica run it once between them.
CREATE TABLE billing_runs (
    practice_id  text NOT NULL REFERENCES practices (id),
    period       date NOT NULL CHECK (extract(day FROM period) = 1),
    ran_at       timestamptz NOT NULL DEFAULT now(),
    ran_by       bigint,
    PRIMARY KEY (practice_id, period),
    FOREIGN KEY (practice_id, ran_by) REFERENCES members (practice_id, id)
);

-- The minutes a duration is billed as, after the practice's rounding: the
-- same rule as inside time_value, which a test holds equal to Go's.
CREATE FUNCTION billed_minutes(minutes integer, increment integer, mode text)
    RETURNS integer
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN CASE
        WHEN increment <= 1 OR mode = 'none' OR minutes <= 0 THEN minutes
        WHEN mode = 'nearest' THEN (minutes + increment / 2) / increment * increment
        ELSE (minutes + increment - 1) / increment * increment
    END;

-- +goose Down
DROP FUNCTION billed_minutes(integer, integer, text);
DROP TABLE billing_runs;
DROP TABLE write_offs;
DROP INDEX time_entries_line;
UPDATE time_entries SET invoice_id = NULL, invoice_line_id = NULL WHERE billing_state <> 'billed';
ALTER TABLE time_entries
    DROP CONSTRAINT time_entries_line_fkey,
    DROP CONSTRAINT time_entries_invoice_only_wip_or_billed,
    DROP CONSTRAINT time_entries_billed_on_invoice,
    DROP CONSTRAINT time_entries_line_and_invoice,
    DROP COLUMN invoice_line_id,
    ADD CONSTRAINT time_entries_check CHECK ((billing_state = 'billed') = (invoice_id IS NOT NULL));
ALTER TABLE invoice_lines
    DROP CONSTRAINT invoice_lines_practice_invoice_id_key,
    DROP CONSTRAINT invoice_lines_member_fkey,
    DROP CONSTRAINT invoice_lines_amount_check,
    DROP COLUMN work_date, DROP COLUMN member_id, DROP COLUMN adjust_reason, DROP COLUMN note,
    DROP COLUMN vat_rate, DROP COLUMN vat_treatment, DROP COLUMN kind;
DROP INDEX invoices_status;
DROP INDEX invoices_hourly_run_key;
DROP INDEX invoices_recurring_key;
DELETE FROM invoices WHERE status IN ('awaiting_approval', 'sending', 'part_paid', 'deleted');
CREATE UNIQUE INDEX invoices_recurring_key ON invoices (practice_id, entity_id, period)
    WHERE kind = 'recurring' AND status <> 'void';
ALTER TABLE invoices
    DROP CONSTRAINT invoices_hourly_period,
    DROP CONSTRAINT invoices_subtotal_check,
    DROP CONSTRAINT invoices_created_by_fkey,
    DROP CONSTRAINT invoices_preparer_fkey,
    DROP COLUMN deleted_at, DROP COLUMN revision, DROP COLUMN reject_note, DROP COLUMN submitted_at,
    DROP COLUMN created_by, DROP COLUMN preparer_id, DROP COLUMN vat_rounding, DROP COLUMN vat_registered,
    DROP COLUMN grouping, DROP COLUMN made_by_run, DROP COLUMN up_to, DROP COLUMN label,
    DROP CONSTRAINT invoices_number_on_approval,
    ADD CONSTRAINT invoices_check2 CHECK (((status = 'draft') = (number IS NULL)) OR status = 'void'),
    DROP CONSTRAINT invoices_status_check,
    ADD CONSTRAINT invoices_status_check CHECK (status IN ('draft', 'approved', 'sent', 'paid', 'void'));
ALTER TABLE entities ADD COLUMN monthly_fee numeric(14,2) CHECK (monthly_fee >= 0);
UPDATE entities e SET monthly_fee = (SELECT f.monthly_fee FROM entity_fees f
    WHERE f.practice_id = e.practice_id AND f.entity_id = e.id ORDER BY f.effective_from DESC LIMIT 1);
ALTER TABLE entities ADD CONSTRAINT entities_check CHECK (billing_type <> 'fixed' OR monthly_fee IS NOT NULL);
DROP TABLE entity_fees;
UPDATE entities SET invoice_day = 28 WHERE invoice_day > 28;
ALTER TABLE entities
    DROP CONSTRAINT entities_retainer_dates,
    DROP COLUMN billing_address, DROP COLUMN billing_contact, DROP COLUMN retainer_end, DROP COLUMN retainer_start,
    DROP CONSTRAINT entities_invoice_day_check,
    ADD CONSTRAINT entities_invoice_day_check CHECK (invoice_day BETWEEN 1 AND 28);
ALTER TABLE services DROP COLUMN billable, DROP COLUMN vat_treatment;
ALTER TABLE practices
    DROP COLUMN billing_run_day, DROP COLUMN billing_channel, DROP COLUMN line_grouping, DROP COLUMN vat_rounding,
    DROP COLUMN postal_address, DROP COLUMN reduced_vat_rate, DROP COLUMN vat_number, DROP COLUMN vat_registered;
