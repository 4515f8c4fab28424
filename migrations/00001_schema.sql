-- Schema v1: the whole data model. Every table carries practice_id (the
-- Slack team id); references between tables go through (practice_id, id)
-- pairs so a row can never point into another practice. Money is
-- numeric(14,2), durations are whole minutes, instants are timestamptz and
-- calendar days are date in the practice's timezone.

-- +goose Up
CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TABLE practices (
    id                     text PRIMARY KEY CHECK (id <> ''),
    name                   text NOT NULL DEFAULT '',
    timezone               text NOT NULL DEFAULT 'Europe/London',
    currency               text NOT NULL DEFAULT 'GBP' CHECK (currency ~ '^[A-Z]{3}$'),
    vat_rate               numeric(5,2) NOT NULL DEFAULT 20.00 CHECK (vat_rate >= 0 AND vat_rate < 100),
    rounding_increment     integer NOT NULL DEFAULT 6 CHECK (rounding_increment BETWEEN 1 AND 60),
    rounding_mode          text NOT NULL DEFAULT 'up' CHECK (rounding_mode IN ('up', 'nearest', 'none')),
    invoice_number_format  text NOT NULL DEFAULT 'INV-{YYYY}-{SEQ:4}',
    payment_terms_days     integer NOT NULL DEFAULT 14 CHECK (payment_terms_days BETWEEN 0 AND 365),
    digest_channel         text,
    digest_time            time NOT NULL DEFAULT '08:00',
    timer_reminder_hours   integer NOT NULL DEFAULT 10 CHECK (timer_reminder_hours BETWEEN 1 AND 72),
    preparer_may_review    boolean NOT NULL DEFAULT false,
    set_up_at              timestamptz,
    created_at             timestamptz NOT NULL DEFAULT now(),
    updated_at             timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE members (
    practice_id             text NOT NULL REFERENCES practices (id),
    id                      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    slack_user_id           text NOT NULL CHECK (slack_user_id ~ '^[UW][A-Z0-9]+$'),
    name                    text NOT NULL CHECK (name <> ''),
    email                   text CHECK (email IS NULL OR email ~ '^[^@\s]+@[^@\s]+\.[^@\s]+$'),
    role                    text NOT NULL CHECK (role IN ('staff', 'manager', 'partner', 'admin')),
    weekly_capacity_minutes integer NOT NULL DEFAULT 2250 CHECK (weekly_capacity_minutes BETWEEN 0 AND 10080),
    active                  boolean NOT NULL DEFAULT true,
    created_at              timestamptz NOT NULL DEFAULT now(),
    updated_at              timestamptz NOT NULL DEFAULT now(),
    UNIQUE (practice_id, slack_user_id),
    UNIQUE (practice_id, id)
);

CREATE TABLE services (
    practice_id          text NOT NULL REFERENCES practices (id),
    id                   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code                 text NOT NULL CHECK (code ~ '^[A-Za-z0-9][A-Za-z0-9_-]{0,19}$'),
    name                 text NOT NULL CHECK (name <> ''),
    covered_by_retainer  boolean NOT NULL DEFAULT false,
    active               boolean NOT NULL DEFAULT true,
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now(),
    UNIQUE (practice_id, id)
);
CREATE UNIQUE INDEX services_code_key ON services (practice_id, lower(code));

CREATE TABLE entities (
    practice_id         text NOT NULL REFERENCES practices (id),
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code                text NOT NULL CHECK (code ~ '^[A-Za-z0-9][A-Za-z0-9_-]{0,19}$'),
    name                text NOT NULL CHECK (name <> ''),
    aliases             text[] NOT NULL DEFAULT '{}',
    entity_type         text NOT NULL DEFAULT 'limited_company' CHECK (entity_type IN
                            ('limited_company', 'sole_trader', 'partnership', 'llp', 'charity', 'trust', 'individual')),
    billing_type        text NOT NULL DEFAULT 'hourly' CHECK (billing_type IN ('fixed', 'hourly')),
    monthly_fee         numeric(14,2) CHECK (monthly_fee >= 0),
    invoice_timing      text NOT NULL DEFAULT 'arrears' CHECK (invoice_timing IN ('advance', 'arrears')),
    invoice_day         integer NOT NULL DEFAULT 1 CHECK (invoice_day BETWEEN 1 AND 28),
    payment_terms_days  integer CHECK (payment_terms_days BETWEEN 0 AND 365),
    billing_email       text CHECK (billing_email IS NULL OR billing_email ~ '^[^@\s]+@[^@\s]+\.[^@\s]+$'),
    manager_id          bigint,
    archived_at         timestamptz,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    UNIQUE (practice_id, id),
    FOREIGN KEY (practice_id, manager_id) REFERENCES members (practice_id, id),
    CHECK (billing_type <> 'fixed' OR monthly_fee IS NOT NULL)
);
CREATE UNIQUE INDEX entities_code_key ON entities (practice_id, lower(code));
CREATE INDEX entities_name_trgm ON entities USING gin (lower(name) gin_trgm_ops);

-- The services a client's retainer covers; work on any other service is
-- billable by the hour.
CREATE TABLE entity_services (
    practice_id  text NOT NULL,
    entity_id    bigint NOT NULL,
    service_id   bigint NOT NULL,
    PRIMARY KEY (practice_id, entity_id, service_id),
    FOREIGN KEY (practice_id, entity_id) REFERENCES entities (practice_id, id) ON DELETE CASCADE,
    FOREIGN KEY (practice_id, service_id) REFERENCES services (practice_id, id)
);

-- One table for every level of the rate card: a row with no entity, service
-- or member is the practice default; each column set narrows it. A rate is in
-- force from effective_from until the next row for the same combination (or
-- effective_to, when a rate is ended).
CREATE TABLE rates (
    practice_id     text NOT NULL REFERENCES practices (id),
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    entity_id       bigint,
    service_id      bigint,
    member_id       bigint,
    hourly_rate     numeric(14,2) NOT NULL CHECK (hourly_rate >= 0),
    effective_from  date NOT NULL,
    effective_to    date,
    created_by      bigint,
    created_at      timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (practice_id, entity_id) REFERENCES entities (practice_id, id),
    FOREIGN KEY (practice_id, service_id) REFERENCES services (practice_id, id),
    FOREIGN KEY (practice_id, member_id) REFERENCES members (practice_id, id),
    FOREIGN KEY (practice_id, created_by) REFERENCES members (practice_id, id),
    CHECK (effective_to IS NULL OR effective_to > effective_from),
    UNIQUE NULLS NOT DISTINCT (practice_id, entity_id, service_id, member_id, effective_from)
);

CREATE TABLE templates (
    practice_id        text NOT NULL REFERENCES practices (id),
    id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name               text NOT NULL CHECK (name <> ''),
    description        text NOT NULL DEFAULT '',
    -- Due on due_day of the month due_month_offset months after the period.
    due_day            integer NOT NULL DEFAULT 10 CHECK (due_day BETWEEN 1 AND 28),
    due_month_offset   integer NOT NULL DEFAULT 1 CHECK (due_month_offset BETWEEN 0 AND 3),
    -- Target day of each stage, counted like due_day (days after the period
    -- starts, may run into the next month); six entries, stage 1 first.
    stage_target_days  integer[] NOT NULL DEFAULT '{5,15,20,28,35,40}' CHECK (cardinality(stage_target_days) = 6),
    active             boolean NOT NULL DEFAULT true,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    UNIQUE (practice_id, id),
    UNIQUE (practice_id, name)
);

CREATE TABLE template_items (
    practice_id  text NOT NULL,
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    template_id  bigint NOT NULL,
    stage        smallint NOT NULL CHECK (stage BETWEEN 1 AND 6),
    position     integer NOT NULL CHECK (position >= 0),
    text         text NOT NULL CHECK (text <> ''),
    mandatory    boolean NOT NULL DEFAULT true,
    removed_at   timestamptz,
    UNIQUE (practice_id, id),
    FOREIGN KEY (practice_id, template_id) REFERENCES templates (practice_id, id) ON DELETE CASCADE
);

CREATE TABLE assignments (
    practice_id  text NOT NULL,
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    entity_id    bigint NOT NULL,
    template_id  bigint NOT NULL,
    preparer_id  bigint NOT NULL,
    reviewer_id  bigint NOT NULL,
    active       boolean NOT NULL DEFAULT true,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    UNIQUE (practice_id, id),
    UNIQUE (practice_id, entity_id, template_id),
    FOREIGN KEY (practice_id, entity_id) REFERENCES entities (practice_id, id),
    FOREIGN KEY (practice_id, template_id) REFERENCES templates (practice_id, id),
    FOREIGN KEY (practice_id, preparer_id) REFERENCES members (practice_id, id),
    FOREIGN KEY (practice_id, reviewer_id) REFERENCES members (practice_id, id)
);

-- Per-client changes to a template: an extra item, or a template item dropped.
CREATE TABLE assignment_items (
    practice_id       text NOT NULL,
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    assignment_id     bigint NOT NULL,
    kind              text NOT NULL CHECK (kind IN ('add', 'drop')),
    template_item_id  bigint,
    stage             smallint CHECK (stage BETWEEN 1 AND 6),
    position          integer,
    text              text,
    mandatory         boolean,
    FOREIGN KEY (practice_id, assignment_id) REFERENCES assignments (practice_id, id) ON DELETE CASCADE,
    FOREIGN KEY (practice_id, template_item_id) REFERENCES template_items (practice_id, id),
    CHECK ((kind = 'drop' AND template_item_id IS NOT NULL)
        OR (kind = 'add' AND template_item_id IS NULL AND stage IS NOT NULL AND text IS NOT NULL AND mandatory IS NOT NULL)),
    UNIQUE (practice_id, assignment_id, template_item_id)
);

CREATE TABLE tasks (
    practice_id       text NOT NULL,
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    entity_id         bigint NOT NULL,
    template_id       bigint NOT NULL,
    assignment_id     bigint,
    period            date NOT NULL CHECK (extract(day FROM period) = 1),
    preparer_id       bigint NOT NULL,
    reviewer_id       bigint NOT NULL,
    due_date          date NOT NULL,
    stage_targets     date[] NOT NULL CHECK (cardinality(stage_targets) = 6),
    review_state      text NOT NULL DEFAULT 'none' CHECK (review_state IN ('none', 'requested', 'returned', 'approved')),
    review_query      text,
    sent_for_review_at timestamptz,
    approved_by       bigint,
    approved_at       timestamptz,
    completed_by      bigint,
    completed_at      timestamptz,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    UNIQUE (practice_id, id),
    UNIQUE (practice_id, entity_id, template_id, period),
    FOREIGN KEY (practice_id, entity_id) REFERENCES entities (practice_id, id),
    FOREIGN KEY (practice_id, template_id) REFERENCES templates (practice_id, id),
    FOREIGN KEY (practice_id, assignment_id) REFERENCES assignments (practice_id, id),
    FOREIGN KEY (practice_id, preparer_id) REFERENCES members (practice_id, id),
    FOREIGN KEY (practice_id, reviewer_id) REFERENCES members (practice_id, id),
    FOREIGN KEY (practice_id, approved_by) REFERENCES members (practice_id, id),
    FOREIGN KEY (practice_id, completed_by) REFERENCES members (practice_id, id),
    CHECK ((completed_at IS NULL) = (completed_by IS NULL)),
    CHECK ((approved_at IS NULL) = (approved_by IS NULL))
);
CREATE INDEX tasks_period ON tasks (practice_id, period);

CREATE TABLE task_items (
    practice_id       text NOT NULL,
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    task_id           bigint NOT NULL,
    template_item_id  bigint,
    stage             smallint NOT NULL CHECK (stage BETWEEN 1 AND 6),
    position          integer NOT NULL CHECK (position >= 0),
    text              text NOT NULL CHECK (text <> ''),
    mandatory         boolean NOT NULL,
    done_by           bigint,
    done_at           timestamptz,
    UNIQUE (practice_id, id),
    FOREIGN KEY (practice_id, task_id) REFERENCES tasks (practice_id, id) ON DELETE CASCADE,
    FOREIGN KEY (practice_id, done_by) REFERENCES members (practice_id, id),
    CHECK ((done_by IS NULL) = (done_at IS NULL))
);
CREATE INDEX task_items_task ON task_items (practice_id, task_id);

-- At most one running timer per member: the primary key is the guard.
CREATE TABLE timers (
    practice_id  text NOT NULL,
    member_id    bigint NOT NULL,
    id           bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
    entity_id    bigint NOT NULL,
    service_id   bigint,
    task_id      bigint,
    note         text NOT NULL DEFAULT '',
    started_at   timestamptz NOT NULL,
    reminded_at  timestamptz,
    PRIMARY KEY (practice_id, member_id),
    FOREIGN KEY (practice_id, member_id) REFERENCES members (practice_id, id),
    FOREIGN KEY (practice_id, entity_id) REFERENCES entities (practice_id, id),
    FOREIGN KEY (practice_id, service_id) REFERENCES services (practice_id, id),
    FOREIGN KEY (practice_id, task_id) REFERENCES tasks (practice_id, id)
);

CREATE TABLE invoices (
    practice_id  text NOT NULL,
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    entity_id    bigint NOT NULL,
    kind         text NOT NULL CHECK (kind IN ('recurring', 'hourly', 'adhoc')),
    period       date CHECK (period IS NULL OR extract(day FROM period) = 1),
    status       text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'approved', 'sent', 'paid', 'void')),
    number       text,
    currency     text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    issue_date   date,
    due_date     date,
    subtotal     numeric(14,2) NOT NULL DEFAULT 0,
    vat          numeric(14,2) NOT NULL DEFAULT 0 CHECK (vat >= 0),
    total        numeric(14,2) NOT NULL DEFAULT 0,
    approved_by  bigint,
    approved_at  timestamptz,
    sent_at      timestamptz,
    voided_at    timestamptz,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    UNIQUE (practice_id, id),
    UNIQUE (practice_id, number),
    FOREIGN KEY (practice_id, entity_id) REFERENCES entities (practice_id, id),
    FOREIGN KEY (practice_id, approved_by) REFERENCES members (practice_id, id),
    CHECK (total = subtotal + vat),
    CHECK (kind <> 'recurring' OR period IS NOT NULL),
    -- A number is given on approval and only then.
    CHECK ((status = 'draft') = (number IS NULL) OR status = 'void'),
    CHECK ((approved_at IS NULL) = (approved_by IS NULL))
);
-- One recurring invoice per client per period (a voided one may be replaced).
CREATE UNIQUE INDEX invoices_recurring_key ON invoices (practice_id, entity_id, period)
    WHERE kind = 'recurring' AND status <> 'void';

CREATE TABLE invoice_lines (
    practice_id  text NOT NULL,
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    invoice_id   bigint NOT NULL,
    position     integer NOT NULL CHECK (position >= 0),
    description  text NOT NULL CHECK (description <> ''),
    service_id   bigint,
    minutes      integer CHECK (minutes >= 0),
    rate         numeric(14,2) CHECK (rate >= 0),
    -- The value of the time the line covers, before any write-up or -down.
    time_value   numeric(14,2) NOT NULL DEFAULT 0,
    amount       numeric(14,2) NOT NULL,
    UNIQUE (practice_id, id),
    UNIQUE (practice_id, invoice_id, position),
    FOREIGN KEY (practice_id, invoice_id) REFERENCES invoices (practice_id, id) ON DELETE CASCADE,
    FOREIGN KEY (practice_id, service_id) REFERENCES services (practice_id, id)
);

CREATE TABLE payments (
    practice_id  text NOT NULL,
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    invoice_id   bigint NOT NULL,
    amount       numeric(14,2) NOT NULL CHECK (amount > 0),
    received_on  date NOT NULL,
    reference    text NOT NULL DEFAULT '',
    recorded_by  bigint,
    created_at   timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (practice_id, invoice_id) REFERENCES invoices (practice_id, id),
    FOREIGN KEY (practice_id, recorded_by) REFERENCES members (practice_id, id)
);

-- Gap-free invoice numbering: the counter row is locked and advanced in the
-- same transaction that approves the invoice.
CREATE TABLE invoice_counters (
    practice_id  text NOT NULL REFERENCES practices (id),
    series       text NOT NULL,
    next_value   bigint NOT NULL DEFAULT 1 CHECK (next_value >= 1),
    PRIMARY KEY (practice_id, series)
);

CREATE TABLE time_entries (
    practice_id      text NOT NULL,
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    member_id        bigint NOT NULL,
    entity_id        bigint NOT NULL,
    service_id       bigint,
    task_id          bigint,
    work_date        date NOT NULL,
    minutes          integer NOT NULL CHECK (minutes > 0 AND minutes <= 1440),
    description      text NOT NULL DEFAULT '',
    billable         boolean NOT NULL DEFAULT true,
    source           text NOT NULL CHECK (source IN ('manual', 'timer', 'task', 'import')),
    rate             numeric(14,2) CHECK (rate >= 0),
    value            numeric(14,2) CHECK (value >= 0),
    billing_state    text NOT NULL DEFAULT 'unbilled' CHECK (billing_state IN ('unbilled', 'billed', 'written_off', 'non_billable')),
    invoice_id       bigint,
    -- Set by the caller to make a retried request (a re-sent Slack envelope,
    -- a double click) create the entry once.
    idempotency_key  text,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    UNIQUE (practice_id, id),
    UNIQUE (practice_id, idempotency_key),
    FOREIGN KEY (practice_id, member_id) REFERENCES members (practice_id, id),
    FOREIGN KEY (practice_id, entity_id) REFERENCES entities (practice_id, id),
    FOREIGN KEY (practice_id, service_id) REFERENCES services (practice_id, id),
    FOREIGN KEY (practice_id, task_id) REFERENCES tasks (practice_id, id),
    FOREIGN KEY (practice_id, invoice_id) REFERENCES invoices (practice_id, id),
    CHECK ((billing_state = 'billed') = (invoice_id IS NOT NULL))
);
CREATE INDEX time_entries_member_date ON time_entries (practice_id, member_id, work_date);
CREATE INDEX time_entries_unbilled ON time_entries (practice_id, entity_id, work_date) WHERE billing_state = 'unbilled';

CREATE TABLE audit_events (
    practice_id    text NOT NULL REFERENCES practices (id),
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    actor_id       bigint,
    action         text NOT NULL CHECK (action <> ''),
    subject_type   text NOT NULL,
    subject_id     bigint,
    data           jsonb NOT NULL DEFAULT '{}',
    at             timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (practice_id, actor_id) REFERENCES members (practice_id, id)
);
CREATE INDEX audit_events_subject ON audit_events (practice_id, subject_type, subject_id);

-- What Atlas posted where, so it can update a message later (an approval
-- card, a digest) instead of posting a new one.
CREATE TABLE slack_posts (
    practice_id   text NOT NULL REFERENCES practices (id),
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    purpose       text NOT NULL,
    subject_type  text NOT NULL,
    subject_id    bigint NOT NULL,
    channel       text NOT NULL,
    ts            text NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    UNIQUE (practice_id, purpose, subject_type, subject_id, channel)
);

-- Events API deliveries already handled, so a retry is processed once. No
-- foreign key: an event may arrive before its workspace is set up.
CREATE TABLE slack_events (
    practice_id  text NOT NULL,
    event_id     text NOT NULL,
    received_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (practice_id, event_id)
);

-- The schedule slots periodic jobs have run, one row per job, practice and
-- slot: the primary key is what makes a slot run exactly once across
-- replicas, and the latest row is where catch-up starts after downtime.
CREATE TABLE job_slots (
    practice_id  text NOT NULL,
    job          text NOT NULL,
    slot         timestamptz NOT NULL,
    ran_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (practice_id, job, slot)
);

-- +goose Down
DROP TABLE job_slots, slack_events, slack_posts, audit_events, time_entries,
    invoice_counters, payments, invoice_lines, invoices, timers, task_items,
    tasks, assignment_items, assignments, template_items, templates, rates,
    entity_services, entities, services, members, practices;
