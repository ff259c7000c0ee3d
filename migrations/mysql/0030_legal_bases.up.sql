-- Legal bases (api.md §7.1). Nothing here is personal data. id gives
-- creation order and is what agreements and activity links refer to, so a
-- rename touches one row. Booleans are 0/1. Briefs are lower-case ASCII,
-- compared byte for byte.
CREATE TABLE legal_bases (
    id           BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    brief        VARCHAR(65) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    status       VARCHAR(16) NOT NULL,
    module       VARCHAR(64) NOT NULL,
    basistype    VARCHAR(64) NOT NULL,
    shortdesc    TEXT        NOT NULL,
    fulldesc     TEXT        NOT NULL,
    requiredmsg  TEXT        NOT NULL,
    requiredflag SMALLINT    NOT NULL,
    usercontrol  SMALLINT    NOT NULL,
    created      BIGINT      NOT NULL,
    UNIQUE KEY legal_bases_brief (brief)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
