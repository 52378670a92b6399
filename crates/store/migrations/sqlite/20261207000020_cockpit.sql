-- Indexes for the cockpit (crates/store/src/cockpit). Keep in step with the other backend's
-- file. The figures scan an area's hits once, grouped by division, unit, kind and severity in
-- index order (no sort): the first index covers that scan, the counts by indicator and the
-- trend's first sightings, so none of them reads table rows. The lists walk the hits of one
-- severity newest first, filtering the area inside the second index.
CREATE INDEX hits_figures ON hits (division_code, unit_id, unit_kind, severity, decision, indicator_id, first_seen_at);
CREATE INDEX hits_recent ON hits (severity, last_seen_at, division_code, decision);
CREATE INDEX clues_division_figures ON clues (division_code, status, finding);
CREATE INDEX rect_items_open ON rect_items (status, deadline);
