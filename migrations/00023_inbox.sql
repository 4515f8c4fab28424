-- The smart inbox: documents emailed to the practice.
--
-- practices.inbox_local is the local part of the practice's inbox address
-- (docs in docs@in.example.com, docs+ACME@… naming client ACME); NULL in a
-- deployment of one practice takes any local part.
--
-- inbox_messages: every email the inbox accepted, once per Message-ID:
-- 'filed' when it was routed to a client at once (its attachments are then
-- documents with source 'inbox'), 'pending' while it waits in /inbox for
-- someone to assign it to a client ('assigned') or throw it away
-- ('discarded'). skipped names the attachments not kept (kinds of file the
-- portal does not take, such as programs).
--
-- inbox_attachments: a pending message's files, their bytes in
-- document_blobs under storage_key until they become documents (the row is
-- then deleted) or are discarded (with their bytes).

-- +goose Up
ALTER TABLE practices ADD COLUMN inbox_local text UNIQUE
    CHECK (inbox_local IS NULL OR inbox_local ~ '^[a-z0-9][a-z0-9._-]{0,63}$');

CREATE TABLE inbox_messages (
    practice_id   text NOT NULL REFERENCES practices (id),
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    message_id    text,
    from_address  text NOT NULL,
    from_name     text NOT NULL DEFAULT '',
    subject       text NOT NULL DEFAULT '',
    snippet       text NOT NULL DEFAULT '',
    received_at   timestamptz NOT NULL,
    status        text NOT NULL CHECK (status IN ('filed', 'pending', 'assigned', 'discarded')),
    entity_id     bigint,
    contact_id    bigint,
    skipped       text[] NOT NULL DEFAULT '{}',
    decided_by    bigint,
    decided_at    timestamptz,
    UNIQUE (practice_id, id),
    FOREIGN KEY (practice_id, entity_id) REFERENCES entities (practice_id, id),
    FOREIGN KEY (practice_id, contact_id) REFERENCES client_contacts (practice_id, id),
    FOREIGN KEY (practice_id, decided_by) REFERENCES members (practice_id, id),
    CHECK ((status IN ('filed', 'assigned')) = (entity_id IS NOT NULL)),
    CHECK ((status IN ('assigned', 'discarded')) = (decided_at IS NOT NULL))
);
CREATE UNIQUE INDEX inbox_messages_message_id ON inbox_messages (practice_id, message_id) WHERE message_id IS NOT NULL;
CREATE INDEX inbox_messages_pending ON inbox_messages (practice_id, received_at) WHERE status = 'pending';

CREATE TABLE inbox_attachments (
    practice_id   text NOT NULL,
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    message_id    bigint NOT NULL,
    file_name     text NOT NULL CHECK (file_name <> '' AND length(file_name) <= 255),
    content_type  text NOT NULL,
    size          bigint NOT NULL CHECK (size >= 0),
    sha256        bytea NOT NULL,
    storage_key   text NOT NULL UNIQUE,
    FOREIGN KEY (practice_id, message_id) REFERENCES inbox_messages (practice_id, id) ON DELETE CASCADE
);
CREATE INDEX inbox_attachments_message ON inbox_attachments (practice_id, message_id);

-- +goose Down
DROP TABLE inbox_attachments;
DROP TABLE inbox_messages;
ALTER TABLE practices DROP COLUMN inbox_local;
