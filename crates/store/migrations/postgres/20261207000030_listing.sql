-- Indexes for the API's lists (keep in step with the other backend's file): both walk their
-- sort order and stop at the page's end instead of sorting the whole jurisdiction.
CREATE INDEX hits_listing ON hits (indicator_id, unit_id, subject, id);
CREATE INDEX clues_listing ON clues (created_at, id);
