"""Privacy alerts: the audit log read against rules that spot likely misuse.

The most common real harm in a system like this is an authorised user looking up people
they know. The rules (alert_rules.toml, versioned configuration) say, each in words:

- same surname: a member of staff looked up someone recorded under their own surname;
- same address: ... someone recorded at the home address the member of staff gave;
- unusual volume: more person views by one member of staff in a clock hour, or a day,
  than the rules allow;
- out of hours: family data read outside working hours, days or on a holiday;
- break-glass: every written justification to see a shielded person's family;
- shielded person: any view of a person a source marks as shielded.

One module per job, in the order an event travels:

- `rules`: the rule book, read and checked from alert_rules.toml;
- `facts`: what the rules compare: the people looked at, as identity/persons.py gives
  them to every page, and the staff looking;
- `evaluation`: each rule applied to a batch of events;
- `explanations`: why an alert was raised, in words;
- `runs`: the scheduled run (`familyview alerts run`) that raises and extends alerts;
- `queue`: the privacy officer's queue and one alert, read only;
- `handling`: the officer's steps on an alert, audited;
- `home_addresses`: a member of staff's home address, for the same-address rule.

Alerts about the same member of staff, rule and day join one alert while it is waiting
for an outcome (per clock hour or day for volumes; one per break-glass), so that a busy
afternoon is one thing to look at, not fifty. Handling an alert is itself audited.
"""
