-- Failure detection: worker state changes are kept as events; a task counts the workers that died under it.

ALTER TABLE task ADD COLUMN crashes INT NOT NULL DEFAULT 0;

CREATE TABLE worker_event (
    seq          BIGINT AUTO_INCREMENT PRIMARY KEY,
    worker_id    VARCHAR(64) NOT NULL,
    worker_name  VARCHAR(200) NOT NULL,
    type         VARCHAR(16) NOT NULL,
    reason       VARCHAR(1000) NOT NULL,
    incarnation  BIGINT NOT NULL,
    at           TIMESTAMP WITH TIME ZONE NOT NULL
);

CREATE INDEX worker_event_worker_idx ON worker_event (worker_id, seq);

-- Final counts of a job's lost attempts and refused (late or duplicate) results.
ALTER TABLE job ADD COLUMN lost BIGINT NOT NULL DEFAULT 0;
ALTER TABLE job ADD COLUMN rejected BIGINT NOT NULL DEFAULT 0;
