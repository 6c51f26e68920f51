"""The audit log: who looked at what, when and why, in a hash chain with signed checkpoints.

- `events.record_event(...)`: the one way to write an event (inside the caller's transaction).
- `queries`, `export`: read events back (by user, subject person, team, date), as CSV.
- `checkpoints`: the Ed25519 key kept outside the database and the signed checkpoints.
- `verify`: walk the chain and checkpoints and say what was tampered with.
- `pruning`: cut the oldest events at a signed checkpoint, leaving a signed floor.

The ground floor: every part of Family View writes here, so this package imports none of
them (a contract in pyproject.toml). The privacy office's work with the log (alerts,
subject access, retention) is in `familyview.privacy`.
"""
