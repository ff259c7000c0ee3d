-- Pending one-time login codes (api.md §6), one per user. The code is kept
-- only as a keyed hash of the user token and the code; attempts counts the
-- wrong codes tried.
CREATE TABLE login_codes (
    user_token VARCHAR(36) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    code_hash  VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    exptime    BIGINT NOT NULL,
    attempts   INT    NOT NULL DEFAULT 0,
    created    BIGINT NOT NULL,
    PRIMARY KEY (user_token),
    KEY login_codes_exptime (exptime)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
