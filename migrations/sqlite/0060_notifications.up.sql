-- Outgoing notifications (api.md §15): the outbox. A row is inserted in
-- the transaction of the change it reports and deleted once delivered or
-- given up on. It holds no personal data: the user token, and for a
-- consent change the basis brief and the new status. created is Unix
-- seconds; next_attempt is Unix milliseconds at which the row is due, or
-- at which an instance's claim on it lapses.
CREATE TABLE notifications (
    id           TEXT    NOT NULL,
    action       TEXT    NOT NULL,
    user_token   TEXT    NOT NULL,
    brief        TEXT    NOT NULL DEFAULT '',
    status       TEXT    NOT NULL DEFAULT '',
    created      INTEGER NOT NULL,
    attempts     INTEGER NOT NULL DEFAULT 0,
    next_attempt INTEGER NOT NULL,
    CONSTRAINT notifications_pkey PRIMARY KEY (id)
);
-- The dispatcher's scan for due rows.
CREATE INDEX notifications_due ON notifications (next_attempt);
