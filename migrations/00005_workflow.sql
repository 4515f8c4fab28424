-- Monthly processing. A task keeps its progress beside it (current stage,
-- items done, when each stage finished), kept by the statements that tick
-- and move it, so the calendar and the board read one row per client
-- instead of thirty.
-- task_alerts remembers every overdue DM: one per task, person and the day
-- the task fell overdue, so each person hears once about each overdue task.

-- +goose Up
ALTER TABLE tasks
    ADD COLUMN stage          smallint NOT NULL DEFAULT 1 CHECK (stage BETWEEN 1 AND 7),
    ADD COLUMN items_total    integer NOT NULL DEFAULT 0 CHECK (items_total >= 0),
    ADD COLUMN items_done     integer NOT NULL DEFAULT 0 CHECK (items_done >= 0 AND items_done <= items_total),
    -- When each stage was finished (null while it is not): the board's days
    -- in stage are the gaps between them.
    ADD COLUMN stage_done_at  timestamptz[] NOT NULL DEFAULT '{NULL,NULL,NULL,NULL,NULL,NULL}' CHECK (cardinality(stage_done_at) = 6),
    ADD COLUMN returned_by    bigint,
    ADD COLUMN returned_at    timestamptz,
    ADD FOREIGN KEY (practice_id, returned_by) REFERENCES members (practice_id, id),
    ADD CONSTRAINT tasks_completed_when_approved CHECK ((completed_at IS NULL) OR review_state = 'approved');

CREATE INDEX tasks_preparer ON tasks (practice_id, preparer_id, period);
CREATE INDEX tasks_reviewer ON tasks (practice_id, reviewer_id, period);
CREATE INDEX tasks_open_due ON tasks (practice_id, due_date) WHERE completed_at IS NULL;
CREATE INDEX task_items_order ON task_items (practice_id, task_id, stage, position);
-- One copy of a template item per task.
CREATE UNIQUE INDEX task_items_template_item ON task_items (practice_id, task_id, template_item_id) WHERE template_item_id IS NOT NULL;
-- Extra items of a client are copied by their assignment item.
ALTER TABLE task_items ADD COLUMN assignment_item_id bigint;
CREATE UNIQUE INDEX task_items_assignment_item ON task_items (practice_id, task_id, assignment_item_id) WHERE assignment_item_id IS NOT NULL;

-- A client follows one template at a time.
CREATE UNIQUE INDEX assignments_one_active ON assignments (practice_id, entity_id) WHERE active;
-- Template names are told apart as people read them, whatever the case.
CREATE UNIQUE INDEX templates_name_key ON templates (practice_id, lower(name));
CREATE INDEX template_items_order ON template_items (practice_id, template_id, stage, position) WHERE removed_at IS NULL;

CREATE TABLE task_alerts (
    practice_id  text NOT NULL,
    task_id      bigint NOT NULL,
    member_id    bigint NOT NULL,
    kind         text NOT NULL CHECK (kind IN ('overdue')),
    day          date NOT NULL,
    sent_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (practice_id, task_id, member_id, kind, day),
    FOREIGN KEY (practice_id, task_id) REFERENCES tasks (practice_id, id) ON DELETE CASCADE,
    FOREIGN KEY (practice_id, member_id) REFERENCES members (practice_id, id)
);

-- +goose Down
DROP TABLE task_alerts;
DROP INDEX template_items_order;
DROP INDEX templates_name_key;
DROP INDEX assignments_one_active;
DROP INDEX task_items_assignment_item;
ALTER TABLE task_items DROP COLUMN assignment_item_id;
DROP INDEX task_items_template_item;
DROP INDEX task_items_order;
DROP INDEX tasks_open_due;
DROP INDEX tasks_reviewer;
DROP INDEX tasks_preparer;
ALTER TABLE tasks DROP CONSTRAINT tasks_completed_when_approved;
ALTER TABLE tasks DROP COLUMN returned_at, DROP COLUMN returned_by,
    DROP COLUMN stage_done_at, DROP COLUMN items_done, DROP COLUMN items_total, DROP COLUMN stage;
