-- Ownership (the same SQL on every database): the id of the master that owns each job (master_info 'master_id' of
-- the master that stored it; null for jobs stored before masters had ids), and a version that every update of the
-- job's row increments, for optimistic checks (UPDATE ... WHERE id = ? AND version = ?).
ALTER TABLE job ADD COLUMN owner_master VARCHAR(64);
ALTER TABLE job ADD COLUMN version BIGINT NOT NULL DEFAULT 0;
