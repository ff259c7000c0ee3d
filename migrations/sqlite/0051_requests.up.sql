-- Requests (api.md §8): changes a data subject asked for, waiting for an
-- administrator. The submitted change (change_doc) and a caller's reason
-- are sealed under the user's data key; note holds a reason the server
-- wrote itself ("user operation", "user erased"), which is not personal
-- data. open_key is "<user>|<action>|<app>|<brief>" while the request is
-- open and NULL afterwards, so UNIQUE allows one open request per kind.
-- id gives creation order.
CREATE TABLE requests (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    rtoken     TEXT    NOT NULL,
    user_token TEXT    NOT NULL,
    action     TEXT    NOT NULL,
    app        TEXT    NOT NULL DEFAULT '',
    brief      TEXT    NOT NULL DEFAULT '',
    method     TEXT    NOT NULL DEFAULT '',
    change_doc BLOB,
    status     TEXT    NOT NULL,
    reason     BLOB,
    note       TEXT    NOT NULL DEFAULT '',
    open_key   TEXT,
    created    INTEGER NOT NULL,
    changed    INTEGER NOT NULL,
    CONSTRAINT requests_rtoken UNIQUE (rtoken),
    CONSTRAINT requests_open_key UNIQUE (open_key)
);
CREATE INDEX requests_user ON requests (user_token, id);
CREATE INDEX requests_status ON requests (status, id);
