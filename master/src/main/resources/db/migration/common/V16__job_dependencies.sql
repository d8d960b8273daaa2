-- Dependencies between jobs (issue 18, grid submit --after): a job stored in state WAITING starts when every job it
-- runs after has SUCCEEDED. One row per (job, upstream job), written in the job's own insert; never changed after.
-- position keeps the order the submitter gave. A job can only name jobs that exist when it is stored (ids come from
-- job_seq), so every edge points to an older job and no cycle can form.
CREATE TABLE job_after (
    job_id      VARCHAR(40) NOT NULL,
    upstream_id VARCHAR(40) NOT NULL,
    position    INT NOT NULL,
    PRIMARY KEY (job_id, upstream_id)
);

-- The jobs waiting on a job: read when it ends (to release or cancel them) and for its downstream list.
CREATE INDEX job_after_by_upstream ON job_after (upstream_id);
