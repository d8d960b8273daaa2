-- Gridwork master state. Task inputs and outputs are stored inline; job results may be large, so they are BLOBs.
-- A job's succeeded/failed counts are written when it ends; while it runs the master counts in memory.

CREATE TABLE master_info (
    name  VARCHAR(64) PRIMARY KEY,
    val   VARCHAR(1000) NOT NULL
);

CREATE TABLE jar (
    sha256      CHAR(64) PRIMARY KEY,
    size        BIGINT NOT NULL,
    file_name   VARCHAR(255) NOT NULL,
    uploaded_at TIMESTAMP WITH TIME ZONE NOT NULL
);

CREATE SEQUENCE job_seq START WITH 1;

CREATE TABLE job (
    id                VARCHAR(40) PRIMARY KEY,
    seq               BIGINT NOT NULL UNIQUE,
    jar_sha256        CHAR(64) NOT NULL REFERENCES jar (sha256),
    job_class         VARCHAR(500) NOT NULL,
    args              VARCHAR(1000000) NOT NULL,
    state             VARCHAR(16) NOT NULL,
    max_attempts      INT NOT NULL,
    task_timeout_ms   BIGINT NOT NULL,
    submitted_at      TIMESTAMP WITH TIME ZONE NOT NULL,
    started_at        TIMESTAMP WITH TIME ZONE,
    finished_at       TIMESTAMP WITH TIME ZONE,
    total_tasks       BIGINT NOT NULL DEFAULT 0,
    split_complete    BOOLEAN NOT NULL DEFAULT FALSE,
    succeeded         BIGINT NOT NULL DEFAULT 0,
    failed            BIGINT NOT NULL DEFAULT 0,
    retried           BIGINT NOT NULL DEFAULT 0,
    error             VARCHAR(4000),
    result            BLOB,
    result_text       VARCHAR(1000000),
    result_media_type VARCHAR(200),
    result_size       BIGINT
);

CREATE INDEX job_state_idx ON job (state);

-- state: 0 pending, 1 succeeded, 2 failed, 3 cancelled (see TaskState.code)
CREATE TABLE task (
    job_id       VARCHAR(40) NOT NULL,
    idx          BIGINT NOT NULL,
    state        TINYINT NOT NULL,
    input        VARBINARY NOT NULL,
    output       VARBINARY,
    failures     INT NOT NULL DEFAULT 0,
    losses       INT NOT NULL DEFAULT 0,
    worker_id    VARCHAR(64),
    duration_ms  BIGINT,
    error        VARCHAR(4000),
    PRIMARY KEY (job_id, idx)
);

CREATE SEQUENCE worker_seq START WITH 1;

CREATE TABLE worker (
    id             VARCHAR(64) PRIMARY KEY,
    name           VARCHAR(200) NOT NULL UNIQUE,
    incarnation    BIGINT NOT NULL,
    state          VARCHAR(16) NOT NULL,
    slots          INT NOT NULL,
    prefetch       INT NOT NULL,
    labels         VARCHAR(10000) NOT NULL,
    address        VARCHAR(300) NOT NULL,
    health_port    INT NOT NULL,
    platform       VARCHAR(2000) NOT NULL,
    completed      BIGINT NOT NULL DEFAULT 0,
    failed         BIGINT NOT NULL DEFAULT 0,
    registered_at  TIMESTAMP WITH TIME ZONE NOT NULL,
    last_seen      TIMESTAMP WITH TIME ZONE NOT NULL
);
