-- Web sessions (api.md §5). The session id is a bearer credential: rows are
-- keyed by its blind index and the id itself is kept only sealed.
-- seq orders the writes of one second: a write deletes the old row and
-- inserts a new one, and AUTOINCREMENT never reuses a value, so seq rises
-- with every committed write (the single writer commits in that order).
CREATE TABLE sessions (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    sid_idx    TEXT    NOT NULL,
    sealed_id  BLOB    NOT NULL,
    datakey    BLOB    NOT NULL,
    data       BLOB    NOT NULL,
    user_token TEXT,
    exptime    INTEGER NOT NULL,
    written    INTEGER NOT NULL,
    CONSTRAINT sessions_sid_idx UNIQUE (sid_idx)
);
-- A user's sessions in list order; also serves log-out-everywhere and erasure.
CREATE INDEX sessions_user ON sessions (user_token, written, seq);
-- The sweeper's range scan.
CREATE INDEX sessions_exptime ON sessions (exptime);
