-- State replay (ledger verify) reads the entries of the tracked kinds only; without this index
-- it scans the whole log once per module.
CREATE INDEX ledger_entries_kind ON ledger_entries (kind, idx);
