"""Each database's files outside it, in a folder of its own that says whose it is.

Family View keeps files beside the database: the audit checkpoint journal, the signing
key and keyring, the witness, the linkage feature store. Two databases run from one
FAMILYVIEW_VAR_DIR (a demo and a test, two councils on one server) must never share
them: a journal of another database's checkpoints makes `familyview audit verify` report
tampering that never happened, and hides what did. So by default they live in
`$FAMILYVIEW_VAR_DIR/<database name>/`, and every folder that holds them has a small
identity file naming the database (by the identifier the database itself keeps,
`DatabaseIdentity`, which a restore keeps and a database made again does not). A folder
of another database is refused with one sentence saying so.

Claiming a folder reads the database once per process and folder: the per-event path
(writing an event, sealing it) never waits on it.
"""

from __future__ import annotations

import os
import re
import tomllib
import uuid
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.utils import timezone

IDENTITY_FILE = "database.toml"

_claimed: dict[tuple[str, str], str] = {}


class DatabaseFilesError(RuntimeError):
    """A folder holds another database's files (the message says which, and what to do)."""


def database_name() -> str:
    """The database's name as a folder name: PostgreSQL's database name, SQLite's file
    name without its suffix."""
    name = str(connection.settings_dict["NAME"])
    if connection.vendor == "sqlite":
        name = Path(name).stem
    return re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip(".-") or "database"


def database_label() -> str:
    """The database in words, for messages and the identity file (no user or password)."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"SQLite database {db['NAME']}"
    where = f" on {db.get('HOST') or 'localhost'}:{db.get('PORT') or 5432}"
    return f"{connection.vendor} database {db['NAME']}{where}"


def database_id() -> str:
    """The identifier this database keeps for itself (made by the migration; made here if
    the row is missing, as in a test database that was emptied)."""
    # Here, not at the top: the `familyview` command imports this module before Django
    # is set up, to know its refusal.
    from familyview.audit.models import DatabaseIdentity

    row = DatabaseIdentity.objects.order_by("id").first()
    if row is None:
        row, _ = DatabaseIdentity.objects.get_or_create(
            id=1, defaults={"database_id": uuid.uuid4().hex, "created_at": timezone.now()}
        )
    return row.database_id


def database_folder() -> Path:
    """`$FAMILYVIEW_VAR_DIR/<database name>`: where this database's files go by default.
    Not claimed here (that reads the database): `claim` it before writing into it."""
    return Path(settings.VAR_DIR) / database_name()


def _owner(folder: Path) -> tuple[str, str] | None:
    """The database id and label an identity file names, or None when there is none."""
    path = folder / IDENTITY_FILE
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError):
        raise DatabaseFilesError(
            f"{path} cannot be read, so it is not known which database the files in "
            f"{folder} belong to: put back the right one or move the folder aside"
        ) from None
    return str(data.get("database_id", "")), str(data.get("database", "another database"))


def check(folder: Path) -> None:
    """Refuse a folder whose identity file names another database (none: no refusal)."""
    key = (str(folder), str(connection.settings_dict["NAME"]))
    if key in _claimed:
        return
    owner = _owner(folder)
    mine = database_id()
    if owner is not None and owner[0] != mine:
        raise DatabaseFilesError(
            f"{folder} holds the files of {owner[1]} (database {owner[0]}), not of this "
            f"{database_label()} (database {mine}): move that folder aside, or point "
            "FAMILYVIEW_VAR_DIR (or the file's own setting) somewhere of this database's own"
        )
    if owner is not None:
        _claimed[key] = mine


def claim(folder: Path) -> Path:
    """Make the folder this database's (0700, with its identity file), or refuse it if it
    is another's. Returns the folder."""
    check(folder)
    key = (str(folder), str(connection.settings_dict["NAME"]))
    if key in _claimed:
        return folder
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    text = (
        "# Family View: the files in this folder belong to this database only.\n"
        f'database_id = "{database_id()}"\n'
        f"database = {_toml_text(database_label())}\n"
    )
    try:
        fd = os.open(folder / IDENTITY_FILE, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        check(folder)  # another process claimed it first: for this database, or refuse
    else:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        _claimed[key] = database_id()
    return folder


def _toml_text(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
