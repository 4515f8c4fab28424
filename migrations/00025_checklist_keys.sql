-- A month's generation writes a checklist item per client and template
-- item (150,000 rows for 5,000 clients), so every index on task_items is
-- paid 150,000 times. Two were redundant: task_items_task is the leading
-- part of task_items_order, and the primary key on id alone duplicated the
-- (practice_id, id) key every query and foreign key uses. The table keeps
-- one key, (practice_id, id), as its primary key. The documents filed
-- against a checklist item get the index their foreign key needs, so that
-- deleting a month's packs does not scan the documents once per item.

-- +goose Up
DROP INDEX task_items_task;
ALTER TABLE documents DROP CONSTRAINT documents_practice_id_task_item_id_fkey;
ALTER TABLE task_items DROP CONSTRAINT task_items_practice_id_id_key;
ALTER TABLE task_items DROP CONSTRAINT task_items_pkey;
ALTER TABLE task_items ADD CONSTRAINT task_items_pkey PRIMARY KEY (practice_id, id);
ALTER TABLE documents ADD CONSTRAINT documents_practice_id_task_item_id_fkey
    FOREIGN KEY (practice_id, task_item_id) REFERENCES task_items (practice_id, id);
CREATE INDEX documents_task_item ON documents (practice_id, task_item_id) WHERE task_item_id IS NOT NULL;

-- +goose Down
DROP INDEX documents_task_item;
ALTER TABLE documents DROP CONSTRAINT documents_practice_id_task_item_id_fkey;
ALTER TABLE task_items DROP CONSTRAINT task_items_pkey;
ALTER TABLE task_items ADD CONSTRAINT task_items_pkey PRIMARY KEY (id);
ALTER TABLE task_items ADD CONSTRAINT task_items_practice_id_id_key UNIQUE (practice_id, id);
ALTER TABLE documents ADD CONSTRAINT documents_practice_id_task_item_id_fkey
    FOREIGN KEY (practice_id, task_item_id) REFERENCES task_items (practice_id, id);
CREATE INDEX task_items_task ON task_items (practice_id, task_id);
