-- The morning digests. A practice works on some days of the week (ISO
-- numbers, 1 Monday to 7 Sunday): its digest is posted on those, and "the
-- last working day" is read from them. Its digest lists the clients whose
-- work in progress is older than wip_alert_days or worth more than
-- wip_alert_value. People get a personal digest by DM unless they turn it
-- off (members.personal_digest; NULL follows the practice's default).
--
-- digest_claims holds one row per practice (recipient 'practice') or person
-- (recipient 'member:<id>') and day, inserted in the transaction that
-- queues the digest's post: the row is the "once".

-- +goose Up
ALTER TABLE practices
    ADD COLUMN working_days            smallint[] NOT NULL DEFAULT '{1,2,3,4,5}'
        CHECK (cardinality(working_days) > 0 AND working_days <@ '{1,2,3,4,5,6,7}'::smallint[]),
    ADD COLUMN wip_alert_days          integer NOT NULL DEFAULT 60 CHECK (wip_alert_days > 0),
    ADD COLUMN wip_alert_value         numeric(14,2) NOT NULL DEFAULT 5000 CHECK (wip_alert_value > 0),
    ADD COLUMN personal_digest_default boolean NOT NULL DEFAULT true;

ALTER TABLE members ADD COLUMN personal_digest boolean;

CREATE TABLE digest_claims (
    practice_id text NOT NULL REFERENCES practices (id),
    day         date NOT NULL,
    recipient   text NOT NULL CHECK (recipient = 'practice' OR recipient ~ '^member:[0-9]+$'),
    late        boolean NOT NULL DEFAULT false,
    claimed_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (practice_id, day, recipient)
);

-- +goose Down
DROP TABLE digest_claims;
ALTER TABLE members DROP COLUMN personal_digest;
ALTER TABLE practices
    DROP COLUMN personal_digest_default,
    DROP COLUMN wip_alert_value,
    DROP COLUMN wip_alert_days,
    DROP COLUMN working_days;
