-- Queries to the client, and delivering the month's pack.
--
-- queries: a question for the client raised on a pack during review. The
-- client's contacts who receive requests are emailed it; a contact answers
-- in the portal, in words and/or with files (documents.query_id). A query
-- is open until answered, closed by the practice, or overridden: delivered
-- past by the reviewer, whose note is kept on it and on the delivery.
--
-- documents.in_pack: a practice file (source 'practice') marked part of
-- the pack that is delivered to the client; documents.delivery_id: the
-- delivery that published it in the portal.
--
-- pack_deliveries: what a pack's delivery sent, when, how and to whom;
-- one per pack.

-- +goose Up
CREATE TABLE queries (
    practice_id     text NOT NULL,
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    task_id         bigint NOT NULL,
    text            text NOT NULL CHECK (text <> '' AND char_length(text) <= 1000),
    asked_by        bigint NOT NULL,
    asked_at        timestamptz NOT NULL,
    answered_at     timestamptz,
    answer_text     text NOT NULL DEFAULT '' CHECK (char_length(answer_text) <= 5000),
    answered_by     bigint,
    closed_at       timestamptz,
    closed_by       bigint,
    overridden_at   timestamptz,
    overridden_by   bigint,
    override_note   text,
    UNIQUE (practice_id, id),
    FOREIGN KEY (practice_id, task_id) REFERENCES tasks (practice_id, id),
    FOREIGN KEY (practice_id, asked_by) REFERENCES members (practice_id, id),
    FOREIGN KEY (practice_id, answered_by) REFERENCES client_contacts (practice_id, id),
    FOREIGN KEY (practice_id, closed_by) REFERENCES members (practice_id, id),
    FOREIGN KEY (practice_id, overridden_by) REFERENCES members (practice_id, id),
    CHECK ((answered_at IS NULL) = (answered_by IS NULL)),
    CHECK ((closed_at IS NULL) = (closed_by IS NULL)),
    CHECK ((overridden_at IS NULL) = (overridden_by IS NULL)),
    CHECK ((overridden_at IS NULL) = (override_note IS NULL)),
    CHECK (override_note IS NULL OR override_note <> '')
);
CREATE INDEX queries_task ON queries (practice_id, task_id);

CREATE TABLE pack_deliveries (
    practice_id    text NOT NULL,
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    task_id        bigint NOT NULL,
    delivered_at   timestamptz NOT NULL,
    delivered_by   bigint NOT NULL,
    method         text NOT NULL CHECK (method IN ('email', 'portal', 'both')),
    documents      bigint[] NOT NULL CHECK (cardinality(documents) > 0),
    file_names     text[] NOT NULL,
    contacts       bigint[] NOT NULL,
    recipients     text[] NOT NULL,
    override_note  text CHECK (override_note IS NULL OR override_note <> ''),
    UNIQUE (practice_id, id),
    UNIQUE (practice_id, task_id),
    FOREIGN KEY (practice_id, task_id) REFERENCES tasks (practice_id, id),
    FOREIGN KEY (practice_id, delivered_by) REFERENCES members (practice_id, id)
);

ALTER TABLE documents
    ADD COLUMN in_pack     boolean NOT NULL DEFAULT false,
    ADD COLUMN query_id    bigint,
    ADD COLUMN delivery_id bigint,
    ADD CONSTRAINT documents_query_fkey FOREIGN KEY (practice_id, query_id) REFERENCES queries (practice_id, id),
    ADD CONSTRAINT documents_delivery_fkey FOREIGN KEY (practice_id, delivery_id) REFERENCES pack_deliveries (practice_id, id),
    ADD CONSTRAINT documents_in_pack CHECK (NOT in_pack OR source = 'practice');

-- +goose Down
ALTER TABLE documents
    DROP CONSTRAINT documents_in_pack,
    DROP CONSTRAINT documents_delivery_fkey,
    DROP CONSTRAINT documents_query_fkey,
    DROP COLUMN delivery_id,
    DROP COLUMN query_id,
    DROP COLUMN in_pack;
DROP TABLE pack_deliveries;
DROP TABLE queries;
