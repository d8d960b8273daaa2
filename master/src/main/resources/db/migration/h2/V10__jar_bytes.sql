-- The bytes of job jars, in the store itself, so that every master sharing a store can run (and take over) every job.
-- Written only by masters on a shared store (PostgreSQL); on H2 the jar files in the data directory are enough.
CREATE TABLE jar_bytes (
    sha256 VARCHAR(64) PRIMARY KEY,
    data   BLOB NOT NULL
);
