-- The client portal and document collection.
--
-- client_contacts: the people at a client who receive document requests and
-- invoices, and sign in to the portal with a link emailed to them.
--
-- A template's stage-1 item may be requested from the client
-- (client_request holds the wording the client reads); the pack's item
-- copies it. An item the client supplied is ticked by the upload:
-- received_at and received_by say who and when, and done_by stays empty
-- (no member ticked it).
--
-- documents: every file of a client, with its bytes in document_blobs (the
-- PostgreSQL store; storage_key is a generated name, never the file's).
--
-- portal_links: each emailed sign-in link, so it can expire and be revoked;
-- the token in the email is the link's id signed with PORTAL_SECRET.
-- portal_login_requests: requests for a sign-in link, for throttling by
-- address and by IP across replicas.
--
-- document_requests: the request email of each pack and its reminders,
-- claimed once per pack and step (0 the request, then each reminder day).

-- +goose Up
CREATE TABLE client_contacts (
    practice_id        text NOT NULL,
    id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    entity_id          bigint NOT NULL,
    name               text NOT NULL CHECK (name <> ''),
    email              text NOT NULL CHECK (email ~ '^[^@\s]+@[^@\s]+\.[^@\s]+$'),
    receives_requests  boolean NOT NULL DEFAULT true,
    receives_invoices  boolean NOT NULL DEFAULT true,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    UNIQUE (practice_id, id),
    FOREIGN KEY (practice_id, entity_id) REFERENCES entities (practice_id, id)
);
CREATE UNIQUE INDEX client_contacts_email ON client_contacts (practice_id, entity_id, lower(email));
CREATE INDEX client_contacts_by_email ON client_contacts (lower(email));

ALTER TABLE practices
    ADD COLUMN portal_request_day  integer NOT NULL DEFAULT 1 CHECK (portal_request_day BETWEEN 1 AND 20),
    ADD COLUMN portal_reminder_days integer[] NOT NULL DEFAULT '{3,7}' CHECK (cardinality(portal_reminder_days) <= 6),
    ADD COLUMN upload_quota_bytes  bigint NOT NULL DEFAULT 2147483648 CHECK (upload_quota_bytes > 0);

ALTER TABLE template_items ADD COLUMN client_request text CHECK (client_request IS NULL OR client_request <> '');

ALTER TABLE task_items
    ADD COLUMN client_request text CHECK (client_request IS NULL OR client_request <> ''),
    ADD COLUMN received_at    timestamptz,
    ADD COLUMN received_by    bigint,
    ADD CONSTRAINT task_items_received_by_fkey FOREIGN KEY (practice_id, received_by) REFERENCES client_contacts (practice_id, id),
    ADD CONSTRAINT task_items_received CHECK ((received_at IS NULL) = (received_by IS NULL)),
    DROP CONSTRAINT task_items_check,
    ADD CONSTRAINT task_items_done CHECK (
        (done_at IS NULL AND done_by IS NULL) OR (done_at IS NOT NULL AND (done_by IS NOT NULL OR received_by IS NOT NULL)));

CREATE TABLE document_blobs (
    storage_key  text PRIMARY KEY,
    data         bytea NOT NULL
);

CREATE TABLE documents (
    practice_id   text NOT NULL,
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    entity_id     bigint NOT NULL,
    period        date CHECK (period IS NULL OR extract(day FROM period) = 1),
    task_id       bigint,
    task_item_id  bigint,
    source        text NOT NULL CHECK (source IN ('portal', 'practice', 'inbox')),
    contact_id    bigint,
    member_id     bigint,
    file_name     text NOT NULL CHECK (file_name <> '' AND length(file_name) <= 255),
    content_type  text NOT NULL,
    size          bigint NOT NULL CHECK (size >= 0),
    sha256        bytea NOT NULL,
    storage_key   text NOT NULL UNIQUE,
    uploaded_at   timestamptz NOT NULL DEFAULT now(),
    UNIQUE (practice_id, id),
    FOREIGN KEY (practice_id, entity_id) REFERENCES entities (practice_id, id),
    FOREIGN KEY (practice_id, task_id) REFERENCES tasks (practice_id, id),
    FOREIGN KEY (practice_id, task_item_id) REFERENCES task_items (practice_id, id),
    FOREIGN KEY (practice_id, contact_id) REFERENCES client_contacts (practice_id, id),
    FOREIGN KEY (practice_id, member_id) REFERENCES members (practice_id, id)
);
CREATE INDEX documents_entity_period ON documents (practice_id, entity_id, period);

CREATE TABLE portal_links (
    practice_id  text NOT NULL,
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    contact_id   bigint NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL,
    revoked_at   timestamptz,
    FOREIGN KEY (practice_id, contact_id) REFERENCES client_contacts (practice_id, id)
);

CREATE TABLE portal_login_requests (
    key  text NOT NULL, -- "email:<address>" or "ip:<address>"
    at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX portal_login_requests_key ON portal_login_requests (key, at);

CREATE TABLE document_requests (
    practice_id  text NOT NULL,
    task_id      bigint NOT NULL,
    step         integer NOT NULL CHECK (step >= 0), -- 0 the request; else the reminder's day after it
    sent_at      timestamptz NOT NULL DEFAULT now(),
    items        text[] NOT NULL,
    PRIMARY KEY (practice_id, task_id, step),
    FOREIGN KEY (practice_id, task_id) REFERENCES tasks (practice_id, id)
);

ALTER TABLE invoices ADD COLUMN portal_viewed_at timestamptz;

-- +goose Down
ALTER TABLE invoices DROP COLUMN portal_viewed_at;
DROP TABLE document_requests;
DROP TABLE portal_login_requests;
DROP TABLE portal_links;
DROP TABLE documents;
DROP TABLE document_blobs;
ALTER TABLE task_items
    DROP CONSTRAINT task_items_done,
    ADD CONSTRAINT task_items_check CHECK ((done_by IS NULL) = (done_at IS NULL)),
    DROP CONSTRAINT task_items_received,
    DROP CONSTRAINT task_items_received_by_fkey,
    DROP COLUMN received_by,
    DROP COLUMN received_at,
    DROP COLUMN client_request;
ALTER TABLE template_items DROP COLUMN client_request;
ALTER TABLE practices DROP COLUMN upload_quota_bytes, DROP COLUMN portal_reminder_days, DROP COLUMN portal_request_day;
DROP TABLE client_contacts;
