-- Schedules (grid schedule): their definitions and triggers live in Quartz's tables (V5); here, the job each
-- firing started, and what each firing did.

ALTER TABLE job ADD COLUMN schedule VARCHAR(200);
CREATE INDEX job_by_schedule ON job (schedule, seq);

CREATE TABLE schedule_run (
    seq            BIGINT AUTO_INCREMENT PRIMARY KEY,
    schedule       VARCHAR(200) NOT NULL,
    scheduled_for  TIMESTAMP WITH TIME ZONE,
    fired_at       TIMESTAMP WITH TIME ZONE NOT NULL,
    outcome        VARCHAR(16) NOT NULL,   -- SUBMITTED, SKIPPED, WAITING, MISSED, FAILED
    job_id         VARCHAR(40),
    reason         VARCHAR(2000)
);
CREATE INDEX schedule_run_by_schedule ON schedule_run (schedule, seq);
