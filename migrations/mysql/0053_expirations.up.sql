-- Scheduled erasure (api.md §10), one row per user with a schedule.
-- expstatus is 'wait' or 'retain'. While waiting, exptoken_idx is the
-- blind index of the retain/delete link token, which itself is kept only
-- sealed under the user's data key (GET /v1/exp/status shows it).
CREATE TABLE expirations (
    user_token   VARCHAR(36) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    exptime      BIGINT NOT NULL,
    expstatus    VARCHAR(8)  CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    exptoken_idx VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin,
    exptoken     BLOB,
    PRIMARY KEY (user_token),
    UNIQUE KEY expirations_exptoken_idx (exptoken_idx),
    KEY expirations_due (expstatus, exptime)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
