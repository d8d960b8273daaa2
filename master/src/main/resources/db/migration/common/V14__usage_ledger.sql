-- The usage ledger (issue 17): one record per ended task attempt, written in the same transaction as the attempt's end.
-- Most attempts already leave a task_attempt row: the ledger's columns are added to it. A first attempt that succeeded
-- alone and wrote no output leaves no task_attempt row (that row would halve the throughput of jobs of small tasks):
-- its record is kept in usage_* columns of its task's row, set by the same UPDATE that stores its output. So every
-- attempt is recorded exactly once, in one of the two places. Rows from before this migration carry no usage
-- (slots 0, usage_slots NULL) and are left out of reports: the ledger starts with the first master of this version.
--
-- slots: worker slots it held; run_ms: how long it ran by the master's clock (from when its worker said it started,
-- or when it was assigned if that never came, to its end; for an attempt adopted after a master restart, at least
-- the duration its worker measured); cpu_nanos: CPU time its worker measured; cost_factor: its worker's
-- (grid worker --cost-factor); lost_race: a CANCELLED attempt whose task another attempt finished first.
ALTER TABLE task_attempt ADD COLUMN slots INT DEFAULT 0 NOT NULL;
ALTER TABLE task_attempt ADD COLUMN run_ms BIGINT DEFAULT 0 NOT NULL;
ALTER TABLE task_attempt ADD COLUMN cpu_nanos BIGINT DEFAULT 0 NOT NULL;
ALTER TABLE task_attempt ADD COLUMN cost_factor DOUBLE PRECISION DEFAULT 1 NOT NULL;
ALTER TABLE task_attempt ADD COLUMN lost_race BOOLEAN DEFAULT FALSE NOT NULL;

ALTER TABLE task ADD COLUMN usage_slots INT;
ALTER TABLE task ADD COLUMN usage_run_ms BIGINT;
ALTER TABLE task ADD COLUMN usage_cpu_nanos BIGINT;
ALTER TABLE task ADD COLUMN usage_cost_factor DOUBLE PRECISION;
ALTER TABLE task ADD COLUMN usage_ended_at TIMESTAMP WITH TIME ZONE;

-- Reports by time range read the ledger by end time.
CREATE INDEX task_attempt_by_end ON task_attempt (ended_at);

-- Quotas (grid quota set): a user's most slots at once, and most cost per period (day, week or month, UTC).
-- max_slots 0: no slot limit; cost_limit 0: no cost limit (period NULL).
CREATE TABLE usage_quota (
    username    VARCHAR(200) PRIMARY KEY,
    max_slots   INT NOT NULL,
    cost_limit  DOUBLE PRECISION NOT NULL,
    period      VARCHAR(8),
    updated_at  TIMESTAMP WITH TIME ZONE NOT NULL
);
