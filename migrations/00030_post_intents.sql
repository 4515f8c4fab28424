-- A Slack post's intent, committed before Atlas sends it and deleted when
-- the message is recorded in slack_posts or the post is given up. Slack
-- has no idempotency key: a worker killed after Slack took the message and
-- before the record committed leaves the intent alone behind, and the
-- retry then looks for its own message (by its metadata) from since on,
-- and adopts it rather than posting again. since is the latest attempt's
-- start, so the search stays short however many attempts there were.
--
-- An upload carries no metadata and its name is no key (the same report
-- goes to a channel every month), so it is found by its file id instead:
-- file_id is the file Slack reserved for the latest attempt, committed
-- once its bytes are up and before it is shared. A retry asks files.info
-- about that file alone; NULL means no attempt got as far as sharing one.

-- +goose Up
CREATE TABLE slack_post_intents (
    practice_id   text NOT NULL REFERENCES practices (id),
    purpose       text NOT NULL,
    subject_type  text NOT NULL,
    subject_id    bigint NOT NULL,
    channel       text NOT NULL,
    since         timestamptz NOT NULL,
    file_id       text,
    PRIMARY KEY (practice_id, purpose, subject_type, subject_id, channel)
);

-- +goose Down
DROP TABLE slack_post_intents;
