-- PostgreSQL twin of h2/V7__job_durations.sql: the same schema in PostgreSQL's types (BYTEA, SMALLINT, identity columns).
-- A job's task durations as counts by bucket (see Store.DURATION_BUCKETS_MS), kept when it ends: the dashboard shows
-- them without reading every task again.
ALTER TABLE job ADD COLUMN durations VARCHAR(400);
