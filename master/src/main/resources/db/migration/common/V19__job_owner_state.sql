-- Each submission counts its user's unfinished jobs (the limit max-queued-jobs-per-user). The index on (owner, seq)
-- made that count read every job the user ever submitted (thousands of rows for a busy user, on every submission);
-- on (owner, state) it reads only the unfinished ones.
CREATE INDEX job_owner_state_idx ON job (owner, state);
