-- Task checkpoints (issue 18): the latest state a running task saved (TaskContext.saveCheckpoint), one row per task,
-- keyed like the task (task_key, see TaskKeys). The next attempt of the task starts from it. Written only by the
-- master that owns the job, fenced like every write of the journal; deleted when the job ends.
CREATE TABLE task_checkpoint (
    task_key    BIGINT PRIMARY KEY,
    attempt_id  BIGINT NOT NULL,
    seq         BIGINT NOT NULL,
    state       BYTEA NOT NULL,
    saved_at    TIMESTAMP WITH TIME ZONE NOT NULL
);

-- Attempts of the job's tasks that started from a checkpoint (TaskCounts.resumed).
ALTER TABLE job ADD COLUMN resumed BIGINT NOT NULL DEFAULT 0;
