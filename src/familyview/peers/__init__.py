"""Across council borders: the other Family View deployments this one may ask and answer
(docs/peers.md). Above the one door: asking reads a family through reads/door.py; answering
reads each person asked about on this deployment's own display rules and records every
inbound request, answered or refused, in this deployment's audit log."""
