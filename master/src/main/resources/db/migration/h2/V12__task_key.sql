-- Tasks keyed by one BIGINT: task_key = the job's number (its id is job-N) * 2^32 + the task's index, so a job's tasks
-- are one range of keys in index order (see TaskKeys). H2 keeps a table whose primary key is one BIGINT column by that
-- key alone; with the key (job_id, idx) every row also went into an index beside the table, and keeping it up to date
-- was a quarter of the work of storing a big job's tasks and outputs. job_id and idx stay, for reading.
CREATE TABLE task_by_key (
    task_key     BIGINT PRIMARY KEY,
    job_id       VARCHAR(40) NOT NULL,
    idx          BIGINT NOT NULL,
    state        TINYINT NOT NULL,
    input        VARBINARY NOT NULL,
    output       VARBINARY,
    failures     INT NOT NULL DEFAULT 0,
    losses       INT NOT NULL DEFAULT 0,
    worker_id    VARCHAR(64),
    duration_ms  BIGINT,
    error        VARCHAR(4000),
    crashes      INT NOT NULL DEFAULT 0
);

INSERT INTO task_by_key (task_key, job_id, idx, state, input, output, failures, losses, worker_id, duration_ms, error,
        crashes)
    SELECT CAST(SUBSTRING(job_id, 5) AS BIGINT) * 4294967296 + idx, job_id, idx, state, input, output, failures, losses,
        worker_id, duration_ms, error, crashes
    FROM task;

DROP TABLE task;

ALTER TABLE task_by_key RENAME TO task;
