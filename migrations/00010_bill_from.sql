-- The first period Atlas invoices a client's retainer for. A fee's history
-- says what the client paid and when; this says where Atlas's billing of
-- it begins, so a fee history brought from an earlier system never makes
-- Atlas bill months that system already billed. Set when the client first
-- gets a fee: from the fee's first day when someone sets it in the client
-- form, from the first period invoiced from then when it is imported.

-- +goose Up
ALTER TABLE entities ADD COLUMN bill_from date CHECK (extract(day FROM bill_from) = 1);
UPDATE entities e SET bill_from = (SELECT date_trunc('month', min(f.effective_from))::date FROM entity_fees f
    WHERE f.practice_id = e.practice_id AND f.entity_id = e.id);

-- +goose Down
ALTER TABLE entities DROP COLUMN bill_from;
