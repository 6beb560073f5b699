"""Risk-limiting audit mathematics: pure functions over Python/NumPy data (no I/O, no audit
state). Here a *batch* is any group of ballots counted together (a polling table)."""
