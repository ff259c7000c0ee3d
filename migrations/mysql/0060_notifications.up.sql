-- Outgoing notifications (api.md §15): the outbox. A row is inserted in
-- the transaction of the change it reports and deleted once delivered or
-- given up on. It holds no personal data: the user token, and for a
-- consent change the basis brief and the new status. created is Unix
-- seconds; next_attempt is Unix milliseconds at which the row is due, or
-- at which an instance's claim on it lapses. The index serves the
-- dispatcher's scan for due rows.
CREATE TABLE notifications (
    id           VARCHAR(36) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    action       VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    user_token   VARCHAR(36) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    brief        VARCHAR(80) CHARACTER SET ascii COLLATE ascii_bin NOT NULL DEFAULT '',
    status       VARCHAR(8)  CHARACTER SET ascii COLLATE ascii_bin NOT NULL DEFAULT '',
    created      BIGINT NOT NULL,
    attempts     INT    NOT NULL DEFAULT 0,
    next_attempt BIGINT NOT NULL,
    PRIMARY KEY (id),
    KEY notifications_due (next_attempt)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
