-- The calendar's pages in the order they are shown, from an index.
--
-- The calendar lists a month's tasks by client code, or by due date then
-- client code, 25 at a time. The code lives on the client's row, so every
-- page joined the month's tasks to their clients and sorted them (by due
-- date, the in-progress page sorted some 4,000 joined rows to show 25).
-- tasks.entity_key holds the client's code as the calendar orders it
-- (lower-cased), so an index on the task alone walks the page in order and
-- stops at its end. It is kept by the triggers below: set when a task is
-- made without it or moved to another client, and rewritten on the
-- client's tasks when the client's code changes.
--
-- task_month_counts keeps how many of a month's tasks are in each state
-- that the status rules, the at-risk rule and the board's counts read
-- (done, due date, review state, nothing ticked, current stage and its
-- target date), per preparer and reviewer. The calendar's counts per
-- status, a person's included, and the board's stage and workload figures
-- add up its few hundred rows instead of judging 5,000 tasks one by one on
-- every open. Its triggers write only when a task changes state: an
-- ordinary tick (item 3 of 30 to item 4) cancels out and writes nothing;
-- a batch touches each row once, in key order, so concurrent changes queue
-- rather than deadlock (as task_stage_times does, migration 00028).

-- +goose Up
ALTER TABLE tasks ADD COLUMN entity_key text;
UPDATE tasks tk SET entity_key = lower(en.code)
  FROM entities en WHERE en.practice_id = tk.practice_id AND en.id = tk.entity_id;
ALTER TABLE tasks ALTER COLUMN entity_key SET NOT NULL;

-- +goose StatementBegin
CREATE FUNCTION tasks_entity_key() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    SELECT lower(code) INTO NEW.entity_key FROM entities WHERE practice_id = NEW.practice_id AND id = NEW.entity_id;
    RETURN NEW;
END
$$;
-- +goose StatementEnd

-- Generation gives the key itself (it joins the clients anyway); the
-- trigger fills it for any other insert, and follows a change of client.
CREATE TRIGGER tasks_entity_key_insert BEFORE INSERT ON tasks
    FOR EACH ROW WHEN (NEW.entity_key IS NULL) EXECUTE FUNCTION tasks_entity_key();
CREATE TRIGGER tasks_entity_key_update BEFORE UPDATE OF practice_id, entity_id, entity_key ON tasks
    FOR EACH ROW WHEN ((NEW.practice_id, NEW.entity_id, NEW.entity_key) IS DISTINCT FROM (OLD.practice_id, OLD.entity_id, OLD.entity_key))
    EXECUTE FUNCTION tasks_entity_key();

-- +goose StatementBegin
CREATE FUNCTION entities_task_keys() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE tasks SET entity_key = lower(NEW.code)
     WHERE practice_id = NEW.practice_id AND entity_id = NEW.id AND entity_key IS DISTINCT FROM lower(NEW.code);
    RETURN NULL;
END
$$;
-- +goose StatementEnd

CREATE TRIGGER entities_task_keys AFTER UPDATE OF code ON entities
    FOR EACH ROW WHEN (lower(NEW.code) IS DISTINCT FROM lower(OLD.code)) EXECUTE FUNCTION entities_task_keys();

CREATE TABLE task_month_counts (
    practice_id  text NOT NULL,
    period       date NOT NULL,
    preparer_id  bigint NOT NULL,
    reviewer_id  bigint NOT NULL,
    stage        smallint NOT NULL,
    done         boolean NOT NULL,  -- completed_at IS NOT NULL
    review_state text NOT NULL,
    none_done    boolean NOT NULL,  -- items_done = 0
    due_date     date NOT NULL,
    target       date,              -- stage_targets[stage]: null at stage 7
    -- No CHECK (tasks >= 0), as in task_stage_times: a decrement's proposed
    -- row is checked before ON CONFLICT turns it into an update.
    tasks        integer NOT NULL,
    UNIQUE NULLS NOT DISTINCT (practice_id, period, preparer_id, reviewer_id, stage, done, review_state, none_done, due_date, target)
);
-- States whose last task moved on, removed at the end of each statement.
CREATE INDEX task_month_counts_empty ON task_month_counts (practice_id) WHERE tasks = 0;

-- Counts added tasks into their states and removed ones out of theirs: the
-- state of a task, in one place.
-- +goose StatementBegin
CREATE FUNCTION task_month_counts_add(added tasks[], removed tasks[]) RETURNS void LANGUAGE sql AS $$
    INSERT INTO task_month_counts AS c (practice_id, period, preparer_id, reviewer_id, stage, done, review_state, none_done, due_date, target, tasks)
    SELECT practice_id, period, preparer_id, reviewer_id, stage, completed_at IS NOT NULL, review_state, items_done = 0, due_date, stage_targets[stage], sum(sign)
      FROM (SELECT t.*, 1 AS sign FROM unnest(added) t
            UNION ALL
            SELECT t.*, -1 FROM unnest(removed) t) changed
     GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10
    HAVING sum(sign) <> 0
     ORDER BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10
    ON CONFLICT (practice_id, period, preparer_id, reviewer_id, stage, done, review_state, none_done, due_date, target)
    DO UPDATE SET tasks = c.tasks + excluded.tasks;
    DELETE FROM task_month_counts WHERE tasks = 0;
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION task_month_counts_keep() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- An update counts each task out of its old state and into its new
    -- one; a task whose state did not change cancels out.
    IF TG_OP = 'INSERT' THEN
        PERFORM task_month_counts_add((SELECT array_agg(n::tasks) FROM new_rows n), NULL);
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM task_month_counts_add(NULL, (SELECT array_agg(o::tasks) FROM old_rows o));
    ELSE
        PERFORM task_month_counts_add((SELECT array_agg(n::tasks) FROM new_rows n), (SELECT array_agg(o::tasks) FROM old_rows o));
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

CREATE TRIGGER task_month_counts_insert AFTER INSERT ON tasks
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION task_month_counts_keep();
CREATE TRIGGER task_month_counts_update AFTER UPDATE ON tasks
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION task_month_counts_keep();
CREATE TRIGGER task_month_counts_delete AFTER DELETE ON tasks
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION task_month_counts_keep();

INSERT INTO task_month_counts (practice_id, period, preparer_id, reviewer_id, stage, done, review_state, none_done, due_date, target, tasks)
SELECT practice_id, period, preparer_id, reviewer_id, stage, completed_at IS NOT NULL, review_state, items_done = 0, due_date, stage_targets[stage], count(*)
  FROM tasks
 GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10;

-- By client: the calendar's page and a person's, filtered on the way.
CREATE INDEX tasks_month_clients ON tasks (practice_id, period, entity_key)
    INCLUDE (id, template_id, preparer_id, reviewer_id);
-- By due date, open tasks first, as the calendar orders them then: with
-- what the status filters read, so a page with a status is walked from
-- the index alone.
CREATE INDEX tasks_month_due ON tasks (practice_id, period, (completed_at IS NOT NULL), due_date, entity_key)
    INCLUDE (id, completed_at, review_state, items_done, template_id, preparer_id, reviewer_id);

-- tasks_period (practice_id, period) is the leading edge of
-- tasks_month_clients now: one index fewer to write for every new pack.
DROP INDEX tasks_period;

-- +goose Down
CREATE INDEX tasks_period ON tasks (practice_id, period);
DROP TRIGGER task_month_counts_delete ON tasks;
DROP TRIGGER task_month_counts_update ON tasks;
DROP TRIGGER task_month_counts_insert ON tasks;
DROP FUNCTION task_month_counts_keep();
DROP FUNCTION task_month_counts_add(tasks[], tasks[]);
DROP TABLE task_month_counts;
DROP INDEX tasks_month_due;
DROP INDEX tasks_month_clients;
DROP TRIGGER entities_task_keys ON entities;
DROP FUNCTION entities_task_keys();
DROP TRIGGER tasks_entity_key_update ON tasks;
DROP TRIGGER tasks_entity_key_insert ON tasks;
DROP FUNCTION tasks_entity_key();
ALTER TABLE tasks DROP COLUMN entity_key;
