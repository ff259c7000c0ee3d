-- Legal bases (api.md §7.1). Nothing here is personal data. id gives
-- creation order and is what agreements and activity links refer to, so a
-- rename touches one row. Booleans are 0/1, as on the other dialects.
CREATE TABLE legal_bases (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    brief        VARCHAR(65) NOT NULL,
    status       VARCHAR(16) NOT NULL,
    module       VARCHAR(64) NOT NULL,
    basistype    VARCHAR(64) NOT NULL,
    shortdesc    TEXT        NOT NULL,
    fulldesc     TEXT        NOT NULL,
    requiredmsg  TEXT        NOT NULL,
    requiredflag SMALLINT    NOT NULL,
    usercontrol  SMALLINT    NOT NULL,
    created      BIGINT      NOT NULL,
    CONSTRAINT legal_bases_brief UNIQUE (brief)
);
