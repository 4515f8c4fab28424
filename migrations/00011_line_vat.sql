-- A line's own VAT, for invoices whose VAT is rounded per line: each
-- line's VAT rounded half up, then summed. Invoices rounded per invoice
-- leave it empty: their VAT exists only per rate (VAT Notice 700 §17.5).

-- +goose Up
ALTER TABLE invoice_lines ADD COLUMN vat numeric(14,2) CHECK (vat >= 0);

-- +goose Down
ALTER TABLE invoice_lines DROP COLUMN vat;
