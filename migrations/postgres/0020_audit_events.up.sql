-- Audit events (api.md §1.13). A request inserts its event in the
-- transaction of the change (or, for a read, before it answers); the chainer
-- later assigns seq, prev_atoken and hash in one order for every instance,
-- so the request path never waits for the chain. id is the insertion order
-- lists use; seq is NULL until the event is linked, and UNIQUE, so the chain
-- can never fork. who, before_copy and after_copy are sealed under the
-- subject's data key; who_digest holds only the token digest of §12.
CREATE TABLE audit_events (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    atoken      VARCHAR(36) NOT NULL,
    seq         BIGINT,
    prev_atoken VARCHAR(36) NOT NULL DEFAULT '',
    hash        BYTEA,
    identity    VARCHAR(200) NOT NULL,
    mode        VARCHAR(16)  NOT NULL,
    who         BYTEA,
    who_digest  VARCHAR(32)  NOT NULL,
    record      VARCHAR(36)  NOT NULL,
    app         VARCHAR(64)  NOT NULL,
    msg         TEXT         NOT NULL,
    status      VARCHAR(8)   NOT NULL,
    title       TEXT         NOT NULL,
    event_time  BIGINT       NOT NULL,
    before_copy BYTEA,
    after_copy  BYTEA,
    CONSTRAINT audit_events_atoken UNIQUE (atoken),
    CONSTRAINT audit_events_seq UNIQUE (seq)
);
-- A subject's events, newest first (GET /v1/audit/list/{token}, export).
CREATE INDEX audit_events_record ON audit_events (record, id);
-- The chainer's queue: the few events not linked yet, in insertion order.
CREATE INDEX audit_events_unlinked ON audit_events (id) WHERE seq IS NULL;
