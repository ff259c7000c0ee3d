-- Shared records (api.md §9). The record id is a bearer secret: rows are
-- keyed by its blind index and the id itself is kept only sealed under the
-- user's data key (the owner sees it again in the export). spec holds the
-- chosen fields and the partner, sealed the same way. session_idx is the
-- blind index (sessions.sid_idx) of a shared session. id gives creation order.
CREATE TABLE shares (
    id            BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    record_idx    VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    sealed_record BLOB NOT NULL,
    user_token    VARCHAR(36) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    target        VARCHAR(8)  CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    app           VARCHAR(31) CHARACTER SET ascii COLLATE ascii_bin NOT NULL DEFAULT '',
    session_idx   VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin,
    spec          BLOB NOT NULL,
    exptime       BIGINT NOT NULL,
    created       BIGINT NOT NULL,
    UNIQUE KEY shares_record_idx (record_idx),
    KEY shares_user (user_token, id),
    KEY shares_exptime (exptime)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
