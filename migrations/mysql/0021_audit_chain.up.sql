-- The two ends of the audit hash chain (api.md §1.13): head is the last
-- linked event, so that deleting the newest events is detected; checkpoint
-- is the last event removed by retention, where verification starts. Each
-- row carries a MAC under the chain key. The rows always exist: the chainer
-- and the pruner lock them (SELECT ... FOR UPDATE), which is what lets only
-- one of them at a time, on any instance, extend or cut the chain.
CREATE TABLE IF NOT EXISTS audit_chain (
    name   VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NOT NULL PRIMARY KEY,
    seq    BIGINT NOT NULL,
    hash   VARBINARY(64),
    atoken VARCHAR(36) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    mac    VARBINARY(64)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
-- MySQL commits the CREATE at once: IF NOT EXISTS and IGNORE let a run cut
-- short between the two statements simply run again.
INSERT IGNORE INTO audit_chain (name, seq, atoken) VALUES ('checkpoint', 0, ''), ('head', 0, '');
