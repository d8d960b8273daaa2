-- Placement: which workers a job's tasks may run on, how many slots each takes, its priority, and whether slow
-- tasks near the end may get a second (speculative) attempt.

ALTER TABLE job ADD COLUMN requirement VARCHAR(1000) NOT NULL DEFAULT '';
ALTER TABLE job ADD COLUMN slots_per_task INT NOT NULL DEFAULT 1;
ALTER TABLE job ADD COLUMN priority INT NOT NULL DEFAULT 0;
ALTER TABLE job ADD COLUMN speculation BOOLEAN NOT NULL DEFAULT TRUE;
ALTER TABLE job ADD COLUMN speculated BIGINT NOT NULL DEFAULT 0;

-- An operator drained the worker (grid workers drain): it gets no new tasks, also after it or the master restarts.
ALTER TABLE worker ADD COLUMN drain_requested BOOLEAN NOT NULL DEFAULT FALSE;
