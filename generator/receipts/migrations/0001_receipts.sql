-- The same file runs on SQLite and on PostgreSQL: plain types only (TEXT, BIGINT), times as
-- milliseconds since 1970 UTC, so both databases hold the same schema.
--
-- One row per consent decision. No column holds an IP address, the full User-Agent or any other
-- identifier of the visitor (data minimisation, GDPR Art. 5(1)(c)); record_id is the random id
-- the widget made for the consent record, not for the person.
CREATE TABLE receipts (
    record_id      TEXT   NOT NULL,
    client_ms      BIGINT NOT NULL,
    server_ms      BIGINT NOT NULL,
    revision       TEXT   NOT NULL,
    policy_version TEXT   NOT NULL,
    method         TEXT   NOT NULL,
    choices        TEXT   NOT NULL,
    lang           TEXT   NOT NULL,
    ua_class       TEXT   NOT NULL,
    PRIMARY KEY (record_id, client_ms)
);

-- Retention deletes by server time, export reads by it.
CREATE INDEX receipts_by_server_time ON receipts (server_ms);

-- Every (revision, policy version) the site has published, kept after it stops being current so
-- that visitors with older records can still withdraw until those records expire.
CREATE TABLE revisions (
    revision       TEXT   NOT NULL,
    policy_version TEXT   NOT NULL,
    categories     TEXT   NOT NULL,
    expiry_days    BIGINT NOT NULL,
    first_seen_ms  BIGINT NOT NULL,
    last_seen_ms   BIGINT NOT NULL,
    PRIMARY KEY (revision, policy_version)
);
