-- Requests (api.md §8): changes a data subject asked for, waiting for an
-- administrator. The submitted change (change_doc) and a caller's reason
-- are sealed under the user's data key; note holds a reason the server
-- wrote itself ("user operation", "user erased"), which is not personal
-- data. open_key is "<user>|<action>|<app>|<brief>" while the request is
-- open and NULL afterwards, so UNIQUE allows one open request per kind.
-- id gives creation order.
CREATE TABLE requests (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    rtoken     VARCHAR(36)  NOT NULL,
    user_token VARCHAR(36)  NOT NULL,
    action     VARCHAR(32)  NOT NULL,
    app        VARCHAR(31)  NOT NULL DEFAULT '',
    brief      VARCHAR(65)  NOT NULL DEFAULT '',
    method     VARCHAR(8)   NOT NULL DEFAULT '',
    change_doc BYTEA,
    status     VARCHAR(16)  NOT NULL,
    reason     BYTEA,
    note       VARCHAR(32)  NOT NULL DEFAULT '',
    open_key   VARCHAR(200),
    created    BIGINT       NOT NULL,
    changed    BIGINT       NOT NULL,
    CONSTRAINT requests_rtoken UNIQUE (rtoken),
    CONSTRAINT requests_open_key UNIQUE (open_key)
);
CREATE INDEX requests_user ON requests (user_token, id);
CREATE INDEX requests_status ON requests (status, id);
