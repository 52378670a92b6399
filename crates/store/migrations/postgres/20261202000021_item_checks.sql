-- The jobs re-screen rectification items waiting for verification (the cool-down re-screens).
-- Keep in step with ../sqlite. Each check is a clue step with its ledger entry; these columns
-- say when the last one ran and whether the item would pass closure by data then.
ALTER TABLE rect_items ADD COLUMN checked_at BIGINT;
ALTER TABLE rect_items ADD COLUMN check_passed BOOLEAN;
