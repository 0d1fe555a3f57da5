-- The signal pipeline's claim index on a column that changes once per event
-- (issue 6). events_due was partial on `status`, which every stage updates;
-- an UPDATE of a column an index (or an index predicate) reads can never be
-- a HOT update, so each stage move wrote a new entry into every index of
-- `events`. With `done` in the predicate, the enrich and evaluate moves
-- touch no indexed column and stay on their heap page (fillfactor leaves the
-- room for that); only the last move, to published or dead, sets done.

ALTER TABLE events ADD COLUMN done BOOLEAN NOT NULL DEFAULT false;
UPDATE events SET done = true WHERE status IN ('published', 'dead');
ALTER TABLE events SET (fillfactor = 80);

DROP INDEX events_due;
CREATE INDEX events_due ON events (next_attempt_at) WHERE NOT done;
