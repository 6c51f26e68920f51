"""Reads of personal data: the one door pages and the API go through (reads/door.py).

It sits above the domain folders it draws on (access, identity, families, audit) and
below the web and API layers, which only turn its outcomes into answers.
"""
