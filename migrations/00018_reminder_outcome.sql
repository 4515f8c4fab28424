-- What became of each overdue reminder: pending from its claim until its
-- email job has run, then sent (with the Message-ID it went under), stopped
-- (the invoice was paid or credited in full between the claim and the
-- send, so nothing went) or failed (the mail server refused it, or the
-- client has no billing email). error says why a reminder was stopped or
-- failed.

-- +goose Up
ALTER TABLE invoice_reminders
    ADD COLUMN outcome    text NOT NULL DEFAULT 'pending' CHECK (outcome IN ('pending', 'sent', 'stopped', 'failed')),
    ADD COLUMN message_id text,
    ADD CONSTRAINT invoice_reminders_sent_when_sent CHECK ((outcome = 'sent') = (sent_at IS NOT NULL)),
    ADD CONSTRAINT invoice_reminders_reason_given CHECK (outcome NOT IN ('stopped', 'failed') OR error <> '');

-- +goose Down
ALTER TABLE invoice_reminders
    DROP CONSTRAINT invoice_reminders_reason_given,
    DROP CONSTRAINT invoice_reminders_sent_when_sent,
    DROP COLUMN message_id,
    DROP COLUMN outcome;
