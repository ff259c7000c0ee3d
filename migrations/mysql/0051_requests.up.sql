-- Requests (api.md §8): changes a data subject asked for, waiting for an
-- administrator. The submitted change (change_doc) and a caller's reason
-- are sealed under the user's data key; note holds a reason the server
-- wrote itself ("user operation", "user erased"), which is not personal
-- data. open_key is "<user>|<action>|<app>|<brief>" while the request is
-- open and NULL afterwards, so UNIQUE allows one open request per kind.
-- id gives creation order.
CREATE TABLE requests (
    id         BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    rtoken     VARCHAR(36)  CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    user_token VARCHAR(36)  CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    action     VARCHAR(32)  CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    app        VARCHAR(31)  CHARACTER SET ascii COLLATE ascii_bin NOT NULL DEFAULT '',
    brief      VARCHAR(65)  CHARACTER SET ascii COLLATE ascii_bin NOT NULL DEFAULT '',
    method     VARCHAR(8)   CHARACTER SET ascii COLLATE ascii_bin NOT NULL DEFAULT '',
    change_doc LONGBLOB,
    status     VARCHAR(16)  CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    reason     BLOB,
    note       VARCHAR(32)  CHARACTER SET ascii COLLATE ascii_bin NOT NULL DEFAULT '',
    open_key   VARCHAR(200) CHARACTER SET ascii COLLATE ascii_bin,
    created    BIGINT NOT NULL,
    changed    BIGINT NOT NULL,
    UNIQUE KEY requests_rtoken (rtoken),
    UNIQUE KEY requests_open_key (open_key),
    KEY requests_user (user_token, id),
    KEY requests_status (status, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
