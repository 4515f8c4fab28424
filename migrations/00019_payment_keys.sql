-- A payment recorded from Slack or a bank file carries a key made from the
-- request (a re-sent Slack envelope, a resubmitted form) or from the row and
-- its place among identical rows of the file, so recording it again finds
-- the first rather than taking the money twice.

-- +goose Up
ALTER TABLE payments ADD COLUMN idempotency_key text;
CREATE UNIQUE INDEX payments_idempotency_key ON payments (practice_id, idempotency_key);

-- +goose Down
DROP INDEX payments_idempotency_key;
ALTER TABLE payments DROP COLUMN idempotency_key;
