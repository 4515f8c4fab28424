-- Money in: what a sent invoice has been paid and credited, so its balance
-- is total - paid - credited; payments that can be reversed, and the part
-- of an overpayment kept as credit on the client's account; credit notes
-- in their own gapless series; and the reminders sent for overdue
-- invoices, one per invoice and step.

-- +goose Up
ALTER TABLE invoices
    ADD COLUMN paid     numeric(14,2) NOT NULL DEFAULT 0 CHECK (paid >= 0),
    ADD COLUMN credited numeric(14,2) NOT NULL DEFAULT 0 CHECK (credited >= 0),
    ADD CONSTRAINT invoices_settled_within_total CHECK (paid + credited <= total);

-- A payment's amount is what was received; applied is the part set against
-- its invoice, the rest (an overpayment) is credit on account. A reversed
-- payment stays, marked, so the audit of money in is whole.
ALTER TABLE payments
    ADD COLUMN applied        numeric(14,2),
    ADD COLUMN source         text NOT NULL DEFAULT 'manual' CHECK (source IN ('manual', 'import', 'account_credit')),
    ADD COLUMN reversed_at    timestamptz,
    ADD COLUMN reversed_by    bigint,
    ADD COLUMN reverse_reason text NOT NULL DEFAULT '',
    ADD CONSTRAINT payments_reversed_by_fkey FOREIGN KEY (practice_id, reversed_by) REFERENCES members (practice_id, id),
    ADD CONSTRAINT payments_reversal_has_reason CHECK (reversed_at IS NULL OR reverse_reason <> '');
UPDATE payments SET applied = amount;
ALTER TABLE payments
    ALTER COLUMN applied SET NOT NULL,
    ADD CONSTRAINT payments_applied_within_amount CHECK (applied >= 0 AND applied <= amount);
CREATE INDEX payments_invoice ON payments (practice_id, invoice_id);

-- Credit on a client's account: in from an overpayment (positive), out when
-- set against an invoice (negative). The client's credit is the sum.
CREATE TABLE account_credits (
    practice_id  text NOT NULL,
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    entity_id    bigint NOT NULL,
    amount       numeric(14,2) NOT NULL CHECK (amount <> 0),
    payment_id   bigint REFERENCES payments (id),
    invoice_id   bigint,
    note         text NOT NULL DEFAULT '',
    created_by   bigint,
    created_at   timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (practice_id, entity_id) REFERENCES entities (practice_id, id),
    FOREIGN KEY (practice_id, invoice_id) REFERENCES invoices (practice_id, id),
    FOREIGN KEY (practice_id, created_by) REFERENCES members (practice_id, id)
);
CREATE INDEX account_credits_entity ON account_credits (practice_id, entity_id);

-- Credit notes, numbered from the practice's counter row in their own
-- series at issue, never a sequence.
ALTER TABLE practices
    ADD COLUMN credit_note_number_format text NOT NULL DEFAULT 'CN-{SEQ:4}',
    ADD COLUMN reminder_days  integer[] NOT NULL DEFAULT '{7,14,30}',
    ADD COLUMN late_interest  boolean NOT NULL DEFAULT false,
    ADD COLUMN base_rate      numeric(5,2) NOT NULL DEFAULT 4.00 CHECK (base_rate >= 0 AND base_rate < 100);

CREATE TABLE credit_notes (
    practice_id    text NOT NULL,
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    invoice_id     bigint NOT NULL,
    number         text NOT NULL,
    issued_on      date NOT NULL,
    reason         text NOT NULL CHECK (reason <> ''),
    time_to        text NOT NULL CHECK (time_to IN ('wip', 'write_off', 'none')),
    subtotal       numeric(14,2) NOT NULL CHECK (subtotal >= 0),
    vat            numeric(14,2) NOT NULL CHECK (vat >= 0),
    total          numeric(14,2) NOT NULL CHECK (total > 0),
    status         text NOT NULL DEFAULT 'issued' CHECK (status IN ('issued', 'sending', 'sent')),
    send_attempt   integer NOT NULL DEFAULT 0,
    send_error     text NOT NULL DEFAULT '',
    sent_at        timestamptz,
    message_id     text,
    created_by     bigint,
    created_at     timestamptz NOT NULL DEFAULT now(),
    UNIQUE (practice_id, number),
    FOREIGN KEY (practice_id, invoice_id) REFERENCES invoices (practice_id, id),
    FOREIGN KEY (practice_id, created_by) REFERENCES members (practice_id, id)
);
CREATE INDEX credit_notes_invoice ON credit_notes (practice_id, invoice_id);

CREATE TABLE credit_note_lines (
    practice_id     text NOT NULL,
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    credit_note_id  bigint NOT NULL REFERENCES credit_notes (id) ON DELETE CASCADE,
    invoice_line_id bigint NOT NULL,
    description     text NOT NULL,
    amount          numeric(14,2) NOT NULL CHECK (amount > 0),
    vat_treatment   text NOT NULL,
    vat_rate        numeric(5,2) NOT NULL,
    vat             numeric(14,2) NOT NULL CHECK (vat >= 0)
);
CREATE INDEX credit_note_lines_line ON credit_note_lines (practice_id, invoice_line_id);

-- Overdue reminders: one per invoice and step (days after the due date),
-- claimed in the transaction that queues its email.
CREATE TABLE invoice_reminders (
    practice_id  text NOT NULL,
    invoice_id   bigint NOT NULL,
    step_days    integer NOT NULL CHECK (step_days > 0),
    claimed_at   timestamptz NOT NULL DEFAULT now(),
    sent_at      timestamptz,
    error        text NOT NULL DEFAULT '',
    PRIMARY KEY (practice_id, invoice_id, step_days),
    FOREIGN KEY (practice_id, invoice_id) REFERENCES invoices (practice_id, id)
);

-- +goose Down
DROP TABLE invoice_reminders;
DROP TABLE credit_note_lines;
DROP TABLE credit_notes;
ALTER TABLE practices
    DROP COLUMN base_rate, DROP COLUMN late_interest, DROP COLUMN reminder_days, DROP COLUMN credit_note_number_format;
DROP TABLE account_credits;
DROP INDEX payments_invoice;
ALTER TABLE payments
    DROP CONSTRAINT payments_applied_within_amount,
    DROP CONSTRAINT payments_reversal_has_reason,
    DROP CONSTRAINT payments_reversed_by_fkey,
    DROP COLUMN reverse_reason, DROP COLUMN reversed_by, DROP COLUMN reversed_at, DROP COLUMN source, DROP COLUMN applied;
ALTER TABLE invoices
    DROP CONSTRAINT invoices_settled_within_total,
    DROP COLUMN credited, DROP COLUMN paid;
