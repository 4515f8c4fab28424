-- The outbox's per-channel queues: posts to one channel are numbered in
-- the transaction that queues them (next_seq), sent in that order
-- (done_seq is the last sent, or given up), and no sooner than one a second
-- (next_at), across every replica — Slack's limit for posting in a channel.

-- +goose Up
CREATE TABLE slack_channel_queues (
    practice_id  text NOT NULL,
    channel      text NOT NULL,
    next_seq     bigint NOT NULL DEFAULT 0,
    done_seq     bigint NOT NULL DEFAULT 0,
    next_at      timestamptz NOT NULL DEFAULT '-infinity',
    PRIMARY KEY (practice_id, channel),
    CHECK (done_seq <= next_seq)
);

-- Slack posts Atlas made are found by subject to update every copy.
CREATE INDEX slack_posts_subject ON slack_posts (practice_id, subject_type, subject_id, purpose);

-- +goose Down
DROP INDEX slack_posts_subject;
DROP TABLE slack_channel_queues;
