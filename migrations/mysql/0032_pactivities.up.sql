-- Processing activities (api.md §7.3). Nothing here is personal data. id
-- gives creation order. Scripts may hold 65536 characters, more than
-- TEXT's 65535 bytes, hence MEDIUMTEXT.
CREATE TABLE pactivities (
    id           BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    activity     VARCHAR(65) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    title        VARCHAR(256) NOT NULL,
    script       MEDIUMTEXT   NOT NULL,
    fulldesc     TEXT         NOT NULL,
    applicableto VARCHAR(256) NOT NULL,
    created      BIGINT       NOT NULL,
    UNIQUE KEY pactivities_activity (activity)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
