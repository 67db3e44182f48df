-- change_feed.kinds held bit 1 << ordinal of the Java enum (SIGNALS 1, OUTCOME 2, ACCOUNT 4), so a
-- reordered enum would have changed what stored rows mean. Bits are now 1 << the proto enum number
-- (SIGNALS 2, OUTCOME 4, ACCOUNT 8): each old bit moves up by one, and every row keeps its meaning.
UPDATE change_feed SET kinds = kinds * 2;
