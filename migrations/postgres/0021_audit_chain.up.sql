-- The two ends of the audit hash chain (api.md §1.13): head is the last
-- linked event, so that deleting the newest events is detected; checkpoint
-- is the last event removed by retention, where verification starts. Each
-- row carries a MAC under the chain key. The rows always exist: the chainer
-- and the pruner lock them (SELECT ... FOR UPDATE), which is what lets only
-- one of them at a time, on any instance, extend or cut the chain.
CREATE TABLE audit_chain (
    name   VARCHAR(16) NOT NULL PRIMARY KEY,
    seq    BIGINT      NOT NULL,
    hash   BYTEA,
    atoken VARCHAR(36) NOT NULL,
    mac    BYTEA
);
INSERT INTO audit_chain (name, seq, atoken) VALUES ('checkpoint', 0, ''), ('head', 0, '');
