-- Tasks keyed by one BIGINT: task_key = the job's number (its id is job-N) * 2^32 + the task's index, so a job's tasks
-- are one range of keys in index order (see TaskKeys; the same key as on H2, where it spares an index beside the
-- table). job_id and idx stay, for reading.
ALTER TABLE task ADD COLUMN task_key BIGINT;

UPDATE task SET task_key = CAST(SUBSTRING(job_id FROM 5) AS BIGINT) * 4294967296 + idx;

ALTER TABLE task ALTER COLUMN task_key SET NOT NULL;

ALTER TABLE task DROP CONSTRAINT task_pkey;

ALTER TABLE task ADD CONSTRAINT task_pkey PRIMARY KEY (task_key);
