-- The board reads a month of tasks (5,000 at a large practice) on every
-- open, so it reads them from places that fit (its counts and the
-- calendar's from task_month_counts, migration 00031):
--
-- task_stage_times keeps, per month and stage, how many tasks took how long
-- in it: the board's medians walk it in order up to the middle instead of
-- sorting every task's time in every stage. It is kept by the statement
-- triggers below, so every change to a task (a tick, a move, a fix made by
-- hand in SQL) keeps it; a change that moves no stage time touches no row
-- of it, and a batch of changes touches each (stage, time) row once, in
-- key order, so concurrent moves queue rather than deadlock.

-- +goose Up
CREATE TABLE task_stage_times (
    practice_id text NOT NULL,
    period      date NOT NULL,
    stage       smallint NOT NULL CHECK (stage BETWEEN 1 AND 6),
    -- From the end of the stage before (the task's creation for stage 1)
    -- to the end of this one; null when the stage before has no end, so
    -- the task counts as having passed the stage but has no time in it.
    took        interval,
    -- No CHECK (tasks >= 0): an insert's proposed row (a decrement) is
    -- checked before ON CONFLICT turns it into an update of the count.
    tasks       integer NOT NULL,
    UNIQUE NULLS NOT DISTINCT (practice_id, period, stage, took)
);
-- Rows whose last task moved on, removed at the end of each statement.
CREATE INDEX task_stage_times_empty ON task_stage_times (practice_id) WHERE tasks = 0;

-- The stages a task has finished and its time in each: the board's rule,
-- in one place.
-- +goose StatementBegin
CREATE FUNCTION task_stage_times_of(created_at timestamptz, stage_done_at timestamptz[])
RETURNS TABLE (stage smallint, took interval) LANGUAGE sql IMMUTABLE AS $$
    SELECT g::smallint, stage_done_at[g] - CASE WHEN g = 1 THEN least(created_at, stage_done_at[1]) ELSE stage_done_at[g - 1] END
      FROM generate_series(1, 6) g
     WHERE stage_done_at[g] IS NOT NULL
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION task_stage_times_apply(delta_practice text[], delta_period date[], delta_stage smallint[], delta_took interval[], delta_tasks int[])
RETURNS void LANGUAGE sql AS $$
    INSERT INTO task_stage_times AS s (practice_id, period, stage, took, tasks)
    SELECT p, m, g, t, sum(n)
      FROM unnest(delta_practice, delta_period, delta_stage, delta_took, delta_tasks) AS d(p, m, g, t, n)
     GROUP BY p, m, g, t
    HAVING sum(n) <> 0
     ORDER BY p, m, g, t
    ON CONFLICT (practice_id, period, stage, took) DO UPDATE SET tasks = s.tasks + excluded.tasks;
    DELETE FROM task_stage_times WHERE tasks = 0 AND practice_id = ANY (delta_practice);
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION task_stage_times_keep() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM task_stage_times_apply(array_agg(n.practice_id), array_agg(n.period), array_agg(s.stage), array_agg(s.took), array_agg(1))
           FROM new_rows n, task_stage_times_of(n.created_at, n.stage_done_at) s
         HAVING count(*) > 0;
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM task_stage_times_apply(array_agg(o.practice_id), array_agg(o.period), array_agg(s.stage), array_agg(s.took), array_agg(-1))
           FROM old_rows o, task_stage_times_of(o.created_at, o.stage_done_at) s
         HAVING count(*) > 0;
    ELSE
        -- Only the tasks whose times changed: a tick that passes no stage
        -- costs a join and nothing more.
        PERFORM task_stage_times_apply(array_agg(d.practice_id), array_agg(d.period), array_agg(d.stage), array_agg(d.took), array_agg(d.n))
           FROM (SELECT o.practice_id, o.period, s.stage, s.took, -1 AS n
                   FROM old_rows o JOIN new_rows w ON w.id = o.id, task_stage_times_of(o.created_at, o.stage_done_at) s
                  WHERE (o.practice_id, o.period, o.created_at, o.stage_done_at) IS DISTINCT FROM (w.practice_id, w.period, w.created_at, w.stage_done_at)
                 UNION ALL
                 SELECT w.practice_id, w.period, s.stage, s.took, 1
                   FROM old_rows o JOIN new_rows w ON w.id = o.id, task_stage_times_of(w.created_at, w.stage_done_at) s
                  WHERE (o.practice_id, o.period, o.created_at, o.stage_done_at) IS DISTINCT FROM (w.practice_id, w.period, w.created_at, w.stage_done_at)) d
         HAVING count(*) > 0;
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

CREATE TRIGGER task_stage_times_insert AFTER INSERT ON tasks
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION task_stage_times_keep();
CREATE TRIGGER task_stage_times_update AFTER UPDATE ON tasks
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION task_stage_times_keep();
CREATE TRIGGER task_stage_times_delete AFTER DELETE ON tasks
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION task_stage_times_keep();

INSERT INTO task_stage_times (practice_id, period, stage, took, tasks)
SELECT t.practice_id, t.period, s.stage, s.took, count(*)
  FROM tasks t, task_stage_times_of(t.created_at, t.stage_done_at) s
 GROUP BY 1, 2, 3, 4;

-- +goose Down
DROP TRIGGER task_stage_times_delete ON tasks;
DROP TRIGGER task_stage_times_update ON tasks;
DROP TRIGGER task_stage_times_insert ON tasks;
DROP FUNCTION task_stage_times_keep();
DROP FUNCTION task_stage_times_apply(text[], date[], smallint[], interval[], int[]);
DROP FUNCTION task_stage_times_of(timestamptz, timestamptz[]);
DROP TABLE task_stage_times;
