"""The simulated state: accounts, regions, keys, grants, the clock and the journal."""
