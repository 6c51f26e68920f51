"""The audit log: who looked at what, when and why, in a hash chain with signed checkpoints.

- `events.record_event(...)`: the one way to write an event (inside the caller's transaction).
- `queries`: read events back (by user, subject person, team, date).
- `checkpoints`: the Ed25519 key kept outside the database and the signed checkpoints.
- `verify`: walk the chain and checkpoints and say what was tampered with.
"""
