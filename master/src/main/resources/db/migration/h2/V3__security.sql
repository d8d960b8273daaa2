-- Security: tokens (only a hash of each secret is kept), the audit log, and who owns each job.

CREATE TABLE token (
    id             CHAR(8) PRIMARY KEY,
    name           VARCHAR(200) NOT NULL,
    role           VARCHAR(16) NOT NULL,
    secret_sha256  CHAR(64) NOT NULL,
    created_at     TIMESTAMP WITH TIME ZONE NOT NULL,
    expires_at     TIMESTAMP WITH TIME ZONE,
    revoked_at     TIMESTAMP WITH TIME ZONE,
    created_by     VARCHAR(300) NOT NULL
);

CREATE INDEX token_name_idx ON token (name);

CREATE TABLE audit (
    seq     BIGINT AUTO_INCREMENT PRIMARY KEY,
    at      TIMESTAMP WITH TIME ZONE NOT NULL,
    actor   VARCHAR(300) NOT NULL,
    action  VARCHAR(64) NOT NULL,
    target  VARCHAR(300) NOT NULL,
    detail  VARCHAR(2000) NOT NULL
);

ALTER TABLE job ADD COLUMN owner VARCHAR(200) NOT NULL DEFAULT '';
CREATE INDEX job_owner_idx ON job (owner, seq);
