-- The data grid (issue 16): data sets put into the grid, their chunks, and the data sets each job reads.
-- A data set's id is its root hash (see io.gridwork.internal.data.DataLayout); the master keeps a copy of its bytes in
-- its data directory (data/<id>), the origin of last resort. Which worker holds which chunk is not stored: workers list
-- their chunks when they register, so the master's directory is rebuilt from them after a restart.
CREATE TABLE data_set (
    id              VARCHAR(64) PRIMARY KEY,
    name            VARCHAR(500) NOT NULL,
    size            BIGINT NOT NULL,
    chunk_size      INT NOT NULL,
    chunks          INT NOT NULL,
    replicas_wanted INT NOT NULL,
    owner           VARCHAR(200) NOT NULL,
    created_at      TIMESTAMP WITH TIME ZONE NOT NULL,
    -- the SHA-256 of the job jar this data set carries (JobSpec.jar_data_id), or null for data put by a user
    jar_sha256      VARCHAR(64)
);

CREATE INDEX data_set_by_jar ON data_set (jar_sha256);

-- One row per chunk: its SHA-256 (lowercase hex), in order.
CREATE TABLE data_chunk (
    data_id  VARCHAR(64) NOT NULL,
    idx      INT NOT NULL,
    sha256   VARCHAR(64) NOT NULL,
    PRIMARY KEY (data_id, idx)
);

-- The data sets a job reads (grid submit --data NAME=ID): name -> data set id, encoded like args.
ALTER TABLE job ADD COLUMN data_sets VARCHAR(20000);

-- The bytes each job's tasks read from data sets, by where they came from (TaskResult.data summed), added to by the
-- master every second or so; JobStatus.data.
CREATE TABLE job_data_counters (
    job_id            VARCHAR(40) PRIMARY KEY,
    bytes_local       BIGINT NOT NULL DEFAULT 0,
    bytes_from_peers  BIGINT NOT NULL DEFAULT 0,
    bytes_from_master BIGINT NOT NULL DEFAULT 0
);
