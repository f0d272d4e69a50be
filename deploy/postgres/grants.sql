-- What the application's role may do, granted by the owner after every migration (the
-- `grants` service runs it after `migrate`). psql variables: app, schema.
GRANT USAGE ON SCHEMA :"schema" TO :"app";
-- The tables beside the ledger that change by design: membership index, keys, sessions,
-- sign-in links, idempotency, person keys (deleted to erase someone), read models.
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA :"schema" TO :"app";
GRANT USAGE ON ALL SEQUENCES IN SCHEMA :"schema" TO :"app";
-- The ledger, its chain, its identity and snapshots: read and append only. UPDATE stays on the events
-- because LOCK TABLE ... IN EXCLUSIVE MODE needs it; their triggers refuse every UPDATE,
-- and only the owner could disable a trigger.
REVOKE DELETE ON :"schema".ledger_events FROM :"app";
REVOKE UPDATE, DELETE ON :"schema".accord_chain, :"schema".accord_ledger, :"schema".ledger_snapshots
    FROM :"app";
