-- Key rotation jobs (api.md §14). The row is the resume point of the
-- re-wrap: cursor_table and cursor_row name the last row looked at, and each
-- batch commits its rows and the cursor together. running is 1 while the
-- job runs and NULL after, so that UNIQUE allows one running job at a time
-- (NULLs never collide) without a partial index, which MySQL lacks.
CREATE TABLE key_jobs (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,
    id           TEXT    NOT NULL,
    from_version INTEGER NOT NULL,
    to_version   INTEGER NOT NULL,
    status       TEXT    NOT NULL,
    done         INTEGER NOT NULL DEFAULT 0,
    total        INTEGER NOT NULL DEFAULT 0,
    cursor_table TEXT    NOT NULL DEFAULT '',
    cursor_row   TEXT    NOT NULL DEFAULT '',
    started      INTEGER NOT NULL,
    finished     INTEGER NOT NULL DEFAULT 0,
    reason       TEXT    NOT NULL DEFAULT '',
    running      INTEGER,
    CONSTRAINT key_jobs_id UNIQUE (id),
    CONSTRAINT key_jobs_running UNIQUE (running)
);
