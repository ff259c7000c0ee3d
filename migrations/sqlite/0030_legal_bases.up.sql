-- Legal bases (api.md §7.1). Nothing here is personal data. id gives
-- creation order and is what agreements and activity links refer to, so a
-- rename touches one row. Booleans are 0/1.
CREATE TABLE legal_bases (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    brief        TEXT    NOT NULL,
    status       TEXT    NOT NULL,
    module       TEXT    NOT NULL,
    basistype    TEXT    NOT NULL,
    shortdesc    TEXT    NOT NULL,
    fulldesc     TEXT    NOT NULL,
    requiredmsg  TEXT    NOT NULL,
    requiredflag INTEGER NOT NULL,
    usercontrol  INTEGER NOT NULL,
    created      INTEGER NOT NULL,
    CONSTRAINT legal_bases_brief UNIQUE (brief)
);
