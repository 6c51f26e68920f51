"""The privacy office: the privacy officer's work on top of the audit log.

- `alerts`: the audit log read against rules that spot likely misuse, on a schedule
  (`familyview alerts run`), and the officer's queue of alerts and what they did.
- `subject_access`: everything held about one person and everyone who looked at them.
- `retention`: removing what the council no longer keeps, by rule (retention.toml).
- `log_scope`: what of the audit log a member of staff may search.

The audit log itself (`familyview.audit`) knows nothing of this room: it is the floor
everything stands on, and this is one of the top floors, under the pages only.
"""
