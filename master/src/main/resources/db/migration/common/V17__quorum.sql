-- Results by quorum (issue 19): a job's quorum (equal outputs, on different hosts, needed to accept a task's output;
-- 1 for a job without replicas) and the most replicas of a task before it fails for want of a quorum.
ALTER TABLE job ADD COLUMN quorum INT NOT NULL DEFAULT 1;
ALTER TABLE job ADD COLUMN quorum_max INT NOT NULL DEFAULT 1;

-- Each worker's trust record, by worker name (a worker keeps its name across restarts; its id changes): replicas of
-- quorum jobs whose output agreed with the accepted one, and those that disagreed. An admin's reset deletes the row.
CREATE TABLE worker_trust (
    worker_name VARCHAR(200) PRIMARY KEY,
    agreed      BIGINT NOT NULL,
    disagreed   BIGINT NOT NULL,
    updated_at  TIMESTAMP WITH TIME ZONE NOT NULL
);

-- A quorum job's tasks whose output a quorum accepted, and tasks on which replicas disagreed: added as each is decided,
-- in the commit of the decision.
ALTER TABLE job ADD COLUMN validated BIGINT NOT NULL DEFAULT 0;
ALTER TABLE job ADD COLUMN mismatched BIGINT NOT NULL DEFAULT 0;
