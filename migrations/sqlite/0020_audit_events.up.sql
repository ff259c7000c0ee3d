-- Audit events (api.md §1.13). A request inserts its event in the
-- transaction of the change (or, for a read, before it answers); the chainer
-- later assigns seq, prev_atoken and hash in one order for every instance,
-- so the request path never waits for the chain. id is the insertion order
-- lists use; seq is NULL until the event is linked, and UNIQUE, so the chain
-- can never fork. who, before_copy and after_copy are sealed under the
-- subject's data key; who_digest holds only the token digest of §12.
CREATE TABLE audit_events (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    atoken      TEXT    NOT NULL,
    seq         INTEGER,
    prev_atoken TEXT    NOT NULL DEFAULT '',
    hash        BLOB,
    identity    TEXT    NOT NULL,
    mode        TEXT    NOT NULL,
    who         BLOB,
    who_digest  TEXT    NOT NULL,
    record      TEXT    NOT NULL,
    app         TEXT    NOT NULL,
    msg         TEXT    NOT NULL,
    status      TEXT    NOT NULL,
    title       TEXT    NOT NULL,
    event_time  INTEGER NOT NULL,
    before_copy BLOB,
    after_copy  BLOB,
    CONSTRAINT audit_events_atoken UNIQUE (atoken),
    CONSTRAINT audit_events_seq UNIQUE (seq)
);
-- A subject's events, newest first (GET /v1/audit/list/{token}, export).
CREATE INDEX audit_events_record ON audit_events (record, id);
