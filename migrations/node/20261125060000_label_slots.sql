-- Label authority, second part: each device that asks this node for label blocks gets a
-- small slot number, unique in the clinic, which marks its fallback labels (A-2-001)
-- when it runs out of numbers while cut off from the authority.
CREATE TABLE label_slots (
    device TEXT    PRIMARY KEY,
    slot   INTEGER NOT NULL UNIQUE CHECK (slot > 0)
) STRICT;
