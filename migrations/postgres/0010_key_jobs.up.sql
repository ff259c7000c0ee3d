-- Key rotation jobs (api.md §14). The row is the resume point of the
-- re-wrap: cursor_table and cursor_row name the last row looked at, and each
-- batch commits its rows and the cursor together. running is 1 while the
-- job runs and NULL after, so that UNIQUE allows one running job at a time
-- (NULLs never collide), the same way in all three dialects.
CREATE TABLE key_jobs (
    seq          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id           VARCHAR(36)  NOT NULL,
    from_version BIGINT       NOT NULL,
    to_version   BIGINT       NOT NULL,
    status       VARCHAR(16)  NOT NULL,
    done         BIGINT       NOT NULL DEFAULT 0,
    total        BIGINT       NOT NULL DEFAULT 0,
    cursor_table VARCHAR(64)  NOT NULL DEFAULT '',
    cursor_row   VARCHAR(255) NOT NULL DEFAULT '',
    started      BIGINT       NOT NULL,
    finished     BIGINT       NOT NULL DEFAULT 0,
    reason       VARCHAR(255) NOT NULL DEFAULT '',
    running      SMALLINT,
    CONSTRAINT key_jobs_id UNIQUE (id),
    CONSTRAINT key_jobs_running UNIQUE (running)
);
