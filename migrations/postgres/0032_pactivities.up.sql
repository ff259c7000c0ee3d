-- Processing activities (api.md §7.3). Nothing here is personal data. id
-- gives creation order.
CREATE TABLE pactivities (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    activity     VARCHAR(65)  NOT NULL,
    title        VARCHAR(256) NOT NULL,
    script       TEXT         NOT NULL,
    fulldesc     TEXT         NOT NULL,
    applicableto VARCHAR(256) NOT NULL,
    created      BIGINT       NOT NULL,
    CONSTRAINT pactivities_activity UNIQUE (activity)
);
