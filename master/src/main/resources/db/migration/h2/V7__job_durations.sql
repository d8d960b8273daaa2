-- A job's task durations as counts by bucket (see Store.DURATION_BUCKETS_MS), kept when it ends: the dashboard shows
-- them without reading every task again.
ALTER TABLE job ADD COLUMN durations VARCHAR(400);
