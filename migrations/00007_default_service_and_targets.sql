-- A practice's default service, which time goes to when a /log line names
-- none. And stage targets counted from the end of the period, when the
-- work can start: a November pack is worked in December, since November's
-- documents exist only once November is over, so "day 3" is 3 December.
-- Templates still on the old standard targets (counted from the 1st of the
-- period) take the new standard; others are moved by thirty days. Tasks
-- nobody has started take their template's new targets.

-- +goose Up
ALTER TABLE practices ADD COLUMN default_service_id bigint;
ALTER TABLE practices ADD CONSTRAINT practices_default_service_fkey
    FOREIGN KEY (id, default_service_id) REFERENCES services (practice_id, id);

ALTER TABLE templates ALTER COLUMN stage_target_days SET DEFAULT '{3,5,7,8,9,10}';
UPDATE templates SET stage_target_days = '{3,5,7,8,9,10}' WHERE stage_target_days = '{5,15,20,28,35,40}';
UPDATE templates SET stage_target_days = ARRAY(
        SELECT greatest(1, d - 30) FROM unnest(stage_target_days) WITH ORDINALITY AS x(d, n) ORDER BY n)
    WHERE stage_target_days <> '{3,5,7,8,9,10}';
UPDATE tasks t SET stage_targets = ARRAY(
        SELECT (t.period + interval '1 month')::date + (d - 1)
          FROM unnest(tp.stage_target_days) WITH ORDINALITY AS x(d, n) ORDER BY n)
    FROM templates tp
    WHERE tp.practice_id = t.practice_id AND tp.id = t.template_id
      AND t.items_done = 0 AND t.review_state = 'none' AND t.completed_at IS NULL;

-- +goose Down
ALTER TABLE templates ALTER COLUMN stage_target_days SET DEFAULT '{5,15,20,28,35,40}';
ALTER TABLE practices DROP CONSTRAINT practices_default_service_fkey;
ALTER TABLE practices DROP COLUMN default_service_id;
