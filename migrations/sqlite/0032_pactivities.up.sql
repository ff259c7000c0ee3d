-- Processing activities (api.md §7.3). Nothing here is personal data. id
-- gives creation order.
CREATE TABLE pactivities (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    activity     TEXT    NOT NULL,
    title        TEXT    NOT NULL,
    script       TEXT    NOT NULL,
    fulldesc     TEXT    NOT NULL,
    applicableto TEXT    NOT NULL,
    created      INTEGER NOT NULL,
    CONSTRAINT pactivities_activity UNIQUE (activity)
);
