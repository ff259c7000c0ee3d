-- Web sessions (api.md §5). The session id is a bearer credential: rows are
-- keyed by its blind index and the id itself is kept only sealed.
-- A write is one INSERT ... ON CONFLICT DO UPDATE, so concurrent writes of
-- one id never fail; each takes a new seq from sessions_seq, which orders
-- the writes of one second.
CREATE SEQUENCE sessions_seq;
CREATE TABLE sessions (
    sid_idx    VARCHAR(64) NOT NULL,
    seq        BIGINT      NOT NULL,
    sealed_id  BYTEA       NOT NULL,
    datakey    BYTEA       NOT NULL,
    data       BYTEA       NOT NULL,
    user_token VARCHAR(36),
    exptime    BIGINT      NOT NULL,
    written    BIGINT      NOT NULL,
    CONSTRAINT sessions_sid_idx PRIMARY KEY (sid_idx)
);
-- A user's sessions in list order; also serves log-out-everywhere and erasure.
CREATE INDEX sessions_user ON sessions (user_token, written, seq);
-- The sweeper's range scan.
CREATE INDEX sessions_exptime ON sessions (exptime);
