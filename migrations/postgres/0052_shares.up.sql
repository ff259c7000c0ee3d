-- Shared records (api.md §9). The record id is a bearer secret: rows are
-- keyed by its blind index and the id itself is kept only sealed under the
-- user's data key (the owner sees it again in the export). spec holds the
-- chosen fields and the partner, sealed the same way. session_idx is the
-- blind index (sessions.sid_idx) of a shared session. id gives creation order.
CREATE TABLE shares (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    record_idx    VARCHAR(64) NOT NULL,
    sealed_record BYTEA       NOT NULL,
    user_token    VARCHAR(36) NOT NULL,
    target        VARCHAR(8)  NOT NULL,
    app           VARCHAR(31) NOT NULL DEFAULT '',
    session_idx   VARCHAR(64),
    spec          BYTEA       NOT NULL,
    exptime       BIGINT      NOT NULL,
    created       BIGINT      NOT NULL,
    CONSTRAINT shares_record_idx UNIQUE (record_idx)
);
CREATE INDEX shares_user ON shares (user_token, id);
-- The sweeper's range scan.
CREATE INDEX shares_exptime ON shares (exptime);
