-- Audit events (api.md §1.13). A request inserts its event in the
-- transaction of the change (or, for a read, before it answers); the chainer
-- later assigns seq, prev_atoken and hash in one order for every instance,
-- so the request path never waits for the chain. id is the insertion order
-- lists use; seq is NULL until the event is linked, and UNIQUE, so the chain
-- can never fork. who, before_copy and after_copy are sealed under the
-- subject's data key; who_digest holds only the token digest of §12.
CREATE TABLE audit_events (
    id          BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    atoken      VARCHAR(36) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    seq         BIGINT,
    prev_atoken VARCHAR(36) CHARACTER SET ascii COLLATE ascii_bin NOT NULL DEFAULT '',
    hash        VARBINARY(64),
    identity    VARCHAR(200) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
    mode        VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    who         BLOB,
    who_digest  VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    record      VARCHAR(36) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    app         VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    msg         TEXT CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
    status      VARCHAR(8) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    title       TEXT CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
    event_time  BIGINT NOT NULL,
    before_copy LONGBLOB,
    after_copy  LONGBLOB,
    UNIQUE KEY audit_events_atoken (atoken),
    UNIQUE KEY audit_events_seq (seq),
    KEY audit_events_record (record, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
