-- Web sessions (api.md §5). The session id is a bearer credential: rows are
-- keyed by its blind index and the id itself is kept only sealed.
-- A write is one INSERT ... ON DUPLICATE KEY UPDATE, so concurrent writes of
-- one id never fail. InnoDB draws a new AUTO_INCREMENT value for the insert
-- attempt even when it becomes an update, and the update copies it
-- (seq = VALUES(seq)), so seq rises with every write and orders the writes
-- of one second.
CREATE TABLE sessions (
    sid_idx    VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    seq        BIGINT NOT NULL AUTO_INCREMENT,
    sealed_id  BLOB     NOT NULL,
    datakey    BLOB     NOT NULL,
    data       LONGBLOB NOT NULL,
    user_token VARCHAR(36) CHARACTER SET ascii COLLATE ascii_bin,
    exptime    BIGINT NOT NULL,
    written    BIGINT NOT NULL,
    PRIMARY KEY (sid_idx),
    KEY sessions_seq (seq),
    KEY sessions_user (user_token, written, seq),
    KEY sessions_exptime (exptime)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
