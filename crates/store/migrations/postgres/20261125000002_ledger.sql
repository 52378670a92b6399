-- The ledger (全过程留痕): an RFC 9162 Merkle log. Keep in step with ../sqlite.
-- Every column is either hashed into the tree or derived from what is (kind, object and request
-- id repeat fields of the leaf; a checkpoint's root repeats its signed note), so `ledger verify`
-- notices a change to any of them. Append-only by design; triggers below refuse UPDATE and DELETE as defence in depth (the real
-- protection is the signed checkpoints held outside the system).

CREATE TABLE ledger_state (
    log_id     TEXT PRIMARY KEY NOT NULL,
    origin     TEXT NOT NULL,
    size       BIGINT NOT NULL,
    root       BYTEA NOT NULL,
    checkpoint TEXT NOT NULL
);

CREATE TABLE ledger_entries (
    idx         BIGINT PRIMARY KEY NOT NULL,
    leaf        BYTEA NOT NULL,
    leaf_hash   BYTEA NOT NULL,
    req_id      TEXT UNIQUE,
    kind        TEXT NOT NULL,
    object_type TEXT,
    object_id   TEXT
);
CREATE INDEX ledger_entries_object ON ledger_entries (object_type, object_id);

-- Every complete subtree hash, keyed by its position in append order (Go sumdb's stored hash
-- index): appending leaf j writes its hash, then each parent it completes, so ids only grow and
-- a verifier can stream entries and nodes side by side.
CREATE TABLE ledger_nodes (
    sidx BIGINT PRIMARY KEY NOT NULL,
    hash BYTEA NOT NULL
);

CREATE TABLE ledger_checkpoints (
    size       BIGINT PRIMARY KEY NOT NULL,
    root       BYTEA NOT NULL,
    note       TEXT NOT NULL
);

CREATE TABLE ledger_cosignatures (
    size    BIGINT NOT NULL,
    witness TEXT NOT NULL,
    line    TEXT NOT NULL,
    PRIMARY KEY (size, witness)
);

CREATE FUNCTION ledger_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'ledger tables are append-only (%)', TG_TABLE_NAME;
END;
$$;
CREATE TRIGGER ledger_entries_append_only BEFORE UPDATE OR DELETE ON ledger_entries
    FOR EACH ROW EXECUTE FUNCTION ledger_append_only();
CREATE TRIGGER ledger_nodes_append_only BEFORE UPDATE OR DELETE ON ledger_nodes
    FOR EACH ROW EXECUTE FUNCTION ledger_append_only();
CREATE TRIGGER ledger_checkpoints_append_only BEFORE UPDATE OR DELETE ON ledger_checkpoints
    FOR EACH ROW EXECUTE FUNCTION ledger_append_only();
