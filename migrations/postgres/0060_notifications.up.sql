-- Outgoing notifications (api.md §15): the outbox. A row is inserted in
-- the transaction of the change it reports and deleted once delivered or
-- given up on. It holds no personal data: the user token, and for a
-- consent change the basis brief and the new status. created is Unix
-- seconds; next_attempt is Unix milliseconds at which the row is due, or
-- at which an instance's claim on it lapses.
CREATE TABLE notifications (
    id           VARCHAR(36) NOT NULL,
    action       VARCHAR(16) NOT NULL,
    user_token   VARCHAR(36) NOT NULL,
    brief        VARCHAR(80) NOT NULL DEFAULT '',
    status       VARCHAR(8)  NOT NULL DEFAULT '',
    created      BIGINT      NOT NULL,
    attempts     INTEGER     NOT NULL DEFAULT 0,
    next_attempt BIGINT      NOT NULL,
    CONSTRAINT notifications_pkey PRIMARY KEY (id)
);
-- The dispatcher's scan for due rows.
CREATE INDEX notifications_due ON notifications (next_attempt);
