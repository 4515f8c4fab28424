-- Delivery: what an approved invoice needs to reach its client. The
-- practice's bank details (printed under "how to pay"), the address its
-- invoices come from and whether approval sends them at once; each
-- client's copies and how it takes its invoices; and on the invoice, the
-- send in progress — which attempt it is (a new one each time a partner
-- asks, so each has its own Message-ID), who asked, since when it has been
-- sending, and why the last attempt failed.

-- +goose Up
ALTER TABLE practices
    ADD COLUMN bank_account_name   text NOT NULL DEFAULT '',
    ADD COLUMN bank_sort_code      text NOT NULL DEFAULT '' CHECK (bank_sort_code = '' OR bank_sort_code ~ '^\d{2}-\d{2}-\d{2}$'),
    ADD COLUMN bank_account_number text NOT NULL DEFAULT '' CHECK (bank_account_number = '' OR bank_account_number ~ '^\d{6,10}$'),
    ADD COLUMN bank_iban           text NOT NULL DEFAULT '' CHECK (bank_iban = '' OR bank_iban ~ '^[A-Z]{2}\d{2}[A-Z0-9]{11,30}$'),
    ADD COLUMN bank_bic            text NOT NULL DEFAULT '' CHECK (bank_bic = '' OR bank_bic ~ '^[A-Z0-9]{8}([A-Z0-9]{3})?$'),
    ADD COLUMN invoice_from_email  text CHECK (invoice_from_email IS NULL OR invoice_from_email ~ '^[^@\s]+@[^@\s]+\.[^@\s]+$'),
    ADD COLUMN invoice_from_name   text NOT NULL DEFAULT '',
    ADD COLUMN auto_send           boolean NOT NULL DEFAULT false;

-- 'portal' and 'both' wait for the client portal; validation refuses them
-- until it exists, but the column already knows them so turning the portal
-- on needs no migration.
ALTER TABLE entities
    ADD COLUMN cc_emails       text[] NOT NULL DEFAULT '{}',
    ADD COLUMN delivery_method text NOT NULL DEFAULT 'email' CHECK (delivery_method IN ('email', 'portal', 'both'));

ALTER TABLE invoices
    ADD COLUMN send_attempt       integer NOT NULL DEFAULT 0 CHECK (send_attempt >= 0),
    ADD COLUMN send_requested_by  bigint,
    ADD COLUMN sending_started_at timestamptz,
    ADD COLUMN send_error         text NOT NULL DEFAULT '',
    ADD COLUMN send_failed_at     timestamptz,
    ADD COLUMN message_id         text,
    ADD CONSTRAINT invoices_send_requested_by_fkey FOREIGN KEY (practice_id, send_requested_by) REFERENCES members (practice_id, id),
    ADD CONSTRAINT invoices_sending_since CHECK (status <> 'sending' OR (sending_started_at IS NOT NULL AND send_attempt > 0));

-- The month-end progress ("Sent 1,240 of 2,000") and the sweep for sends
-- that take too long read the invoices being sent.
CREATE INDEX invoices_sending ON invoices (practice_id, sending_started_at) WHERE status = 'sending';

-- +goose Down
DROP INDEX invoices_sending;
UPDATE invoices SET status = 'approved' WHERE status = 'sending';
ALTER TABLE invoices
    DROP CONSTRAINT invoices_sending_since,
    DROP CONSTRAINT invoices_send_requested_by_fkey,
    DROP COLUMN message_id, DROP COLUMN send_failed_at, DROP COLUMN send_error,
    DROP COLUMN sending_started_at, DROP COLUMN send_requested_by, DROP COLUMN send_attempt;
ALTER TABLE entities DROP COLUMN delivery_method, DROP COLUMN cc_emails;
ALTER TABLE practices
    DROP COLUMN auto_send, DROP COLUMN invoice_from_name, DROP COLUMN invoice_from_email,
    DROP COLUMN bank_bic, DROP COLUMN bank_iban, DROP COLUMN bank_account_number,
    DROP COLUMN bank_sort_code, DROP COLUMN bank_account_name;
