-- Large task checkpoints (issue 18): a state above the master's inline limit is kept in the data grid as a data set
-- (its id here, the state column then empty); the next attempt reads it through its data plane. The data set is
-- dropped when a newer save replaces it and when the job ends.
ALTER TABLE task_checkpoint ADD COLUMN data_id VARCHAR(64);
