-- Replicas keep each practice's services in memory (every /log line reads
-- them). Any change to a service, however it is made, announces the
-- practice on the atlas_services channel, and every replica drops what it
-- holds for it. The trigger carries no data anywhere; it only tells.

-- +goose Up
-- +goose StatementBegin
CREATE FUNCTION services_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('atlas_services', coalesce(NEW.practice_id, OLD.practice_id));
    RETURN NULL;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER services_changed AFTER INSERT OR UPDATE OR DELETE ON services
    FOR EACH ROW EXECUTE FUNCTION services_changed();

-- +goose Down
DROP TRIGGER services_changed ON services;
DROP FUNCTION services_changed();
