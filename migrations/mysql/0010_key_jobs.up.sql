-- Key rotation jobs (api.md §14). The row is the resume point of the
-- re-wrap: cursor_table and cursor_row name the last row looked at, and each
-- batch commits its rows and the cursor together. running is 1 while the
-- job runs and NULL after, so that UNIQUE allows one running job at a time
-- (NULLs never collide) without a partial index, which MySQL lacks.
-- cursor_row compares like the row keys it holds: ASCII, byte for byte.
CREATE TABLE key_jobs (
    seq          BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    id           VARCHAR(36) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    from_version BIGINT NOT NULL,
    to_version   BIGINT NOT NULL,
    status       VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    done         BIGINT NOT NULL DEFAULT 0,
    total        BIGINT NOT NULL DEFAULT 0,
    cursor_table VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL DEFAULT '',
    cursor_row   VARCHAR(255) CHARACTER SET ascii COLLATE ascii_bin NOT NULL DEFAULT '',
    started      BIGINT NOT NULL,
    finished     BIGINT NOT NULL DEFAULT 0,
    reason       VARCHAR(255) NOT NULL DEFAULT '',
    running      TINYINT,
    UNIQUE KEY key_jobs_id (id),
    UNIQUE KEY key_jobs_running (running)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
