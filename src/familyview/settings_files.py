"""Settings as data: every settings file read, combined and checked one way.

A settings file (the linkage thresholds, the family building rules, the display rules, the
service categories...) has its defaults inside the package. A council changes them with a
file of its own, named by one environment variable each (read in settings.py), holding
only what it changes: its tables are merged over the built-in file's key by key, and a
value it gives (a number, a word, a list) takes the built-in value's place whole
(docs/adr/0003-settings-files.md). Files a council writes for itself, with no built-in
default (its sources, a source's column mapping), are read alone.

Either way the file is checked against a Pydantic model of its shape. Anything wrong is
one sentence per mistake, naming the file, the setting, the value found and what was
expected, raised as SettingsFileError: the commands print it and exit 1, never a traceback.
"""

import json
import tomllib
from functools import lru_cache
from pathlib import Path
from types import NoneType, UnionType
from typing import Annotated, Any, TypeVar, Union, get_args, get_origin

from django.conf import settings
from pydantic import BaseModel, ConfigDict, Strict, StringConstraints, ValidationError

M = TypeVar("M", bound=BaseModel)
Origins = dict[tuple[str, ...], Path]

# TOML has arrays only: a setting kept as a tuple or a set is read from an array, its
# items still checked strictly (Annotated[tuple[str, ...], FROM_ARRAY]).
FROM_ARRAY = Strict(False)
# Words a setting cannot do without (a code, a name, a label): not empty, spaces trimmed.
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class SettingsFileError(ValueError):
    """A settings file that cannot be used; the message says where and why, in sentences."""


class SettingsModel(BaseModel):
    """The shape of a settings file, or of a table in one: frozen, strict about types
    (`1` is not `true`, `"0.9"` is not a number), and refusing any key it does not name, so
    that a misspelt setting is an error rather than a default silently kept."""

    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)


def council_file(variable: str) -> Path | None:
    """The file a council named in the environment variable `variable`, if it named one."""
    named = getattr(settings, variable, None)
    return Path(named) if named else None


def load_settings(
    model: type[M], built_in: Path, variable: str, *, council: Path | None = None
) -> M:
    """The settings in force: the built-in file, with the council's own file (named by the
    environment variable `variable`) merged over it.

    `council` names another file to merge in its place, to try it before naming it in the
    variable (`familyview alerts run --rules FILE`). A versioned file (its model has a
    `version`) needs the council's file to say its own version: what was applied is
    recorded by version, and the built-in one no longer says it. Files are read each time
    and parsed again only when their text changed, so an edited file counts at once."""
    named_by = "" if council else variable
    council = council or council_file(variable)
    return _checked(
        model,
        built_in,
        _text(built_in),
        council,
        _text(council, named_by) if council else None,
        variable,
    )


def read_file(model: type[M], path: Path) -> M:
    """A file the council wrote for itself, with no built-in default, read alone."""
    return _checked(model, path, _text(path), None, None, "")


def merged(base: dict, changes: dict) -> dict:
    """`base` with `changes` over it: tables merged key by key, any other value replaced
    whole (a list of offences, a list of categories)."""
    return _merge(base, changes, {}, None, ())


def _text(path: Path, variable: str = "") -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        named = f" (named by {variable})" if variable else ""
        raise SettingsFileError(f"{path}: no such file{named}.") from None
    except OSError as e:
        raise SettingsFileError(f"{path}: cannot be read ({e.strerror}).") from None


@lru_cache(maxsize=64)
def _checked(
    model: type[M],
    built_in: Path,
    built_in_text: bytes,
    council: Path | None,
    council_text: bytes | None,
    variable: str,
) -> M:
    data = _parsed(built_in, built_in_text)
    origins: Origins = {(): built_in}
    if council is not None and council_text is not None:
        own = _parsed(council, council_text)
        if "version" in model.model_fields and "version" not in own:
            raise SettingsFileError(
                f"{council}: version is missing; a council's own file (named by {variable}) "
                "says its own version, recorded with everything it decides."
            )
        data = _merge(data, own, origins, council, ())
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise SettingsFileError(_sentences(error, model, data, origins)) from None


def _parsed(path: Path, text: bytes) -> dict:
    try:
        return tomllib.loads(text.decode("utf-8"))
    except UnicodeDecodeError:
        raise SettingsFileError(f"{path}: not UTF-8 text.") from None
    except tomllib.TOMLDecodeError as e:
        raise SettingsFileError(f"{path}: not valid TOML ({e}).") from None


def _merge(
    base: dict, changes: dict, origins: Origins, file: Path | None, path: tuple[str, ...]
) -> dict:
    out = dict(base)
    for key, value in changes.items():
        here = (*path, key)
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value, origins, file, here)
        else:
            out[key] = value
            if file is not None:
                origins[here] = file
    return out


# ---- a mistake in one sentence ------------------------------------------------------------

# What a value of each kind looks like in TOML, for the sentence's "it should be".
_EXPECTED = {
    "bool_type": "true or false",
    "int_type": "a whole number",
    "float_type": "a number",
    "string_type": "text in quotes",
    "date_type": "a date such as 2026-12-25",
    "time_type": "a time such as 07:00",
    "zoneinfo_str": "a time zone name such as Europe/London",
    "list_type": 'a list such as ["a", "b"]',
    "tuple_type": 'a list such as ["a", "b"]',
    "set_type": 'a list such as ["a", "b"]',
    "frozen_set_type": 'a list such as ["a", "b"]',
    "dict_type": "a table",
    "model_type": "a table",
    "model_attributes_type": "a table",
}


def _sentences(error: ValidationError, model: type[BaseModel], data: dict, origins: Origins) -> str:
    """Every mistake as a sentence, grouped by the file its value came from."""
    by_file: dict[Path, list[str]] = {}
    for e in error.errors(include_url=False):
        loc = e["loc"]
        is_key = bool(loc) and loc[-1] == "[key]"
        path = tuple(p for p in loc if p != "[key]")
        file = _origin(origins, path)
        by_file.setdefault(file, []).append(_sentence(e, model, data, path, is_key))
    return " ".join(f"{file}: {'; '.join(said)}." for file, said in by_file.items())


def _origin(origins: Origins, path: tuple) -> Path:
    """The file the value at `path` came from: the council's if it set anything at or
    beneath it (a rule about a table, or the whole file, is broken by what changed),
    else the file that set the longest part of the path."""
    beneath = [file for p, file in origins.items() if p and p[: len(path)] == path]
    if beneath:
        return beneath[-1]
    for length in range(len(path), -1, -1):
        if path[:length] in origins:
            return origins[path[:length]]
    return origins[()]


def _sentence(e: dict, model: type[BaseModel], data: dict, path: tuple, is_key: bool) -> str:
    where = _where(path, data)
    kind = e["type"]
    if kind == "missing":
        return f"{where} is missing"
    if kind == "extra_forbidden":
        known = _keys_at(model, path[:-1])
        listed = f"; the settings here are {', '.join(known)}" if known else ""
        return f"{where} is not a setting{listed}"
    if kind in _EXPECTED:
        expected = f"it should be {_EXPECTED[kind]}"
    elif kind == "string_too_short" and e["ctx"]["min_length"] == 1:
        expected = "it should not be empty"
    else:
        expected = e["msg"].removeprefix("Value error, ").replace("Input should be", "it should be")
    if not path:
        return expected
    if is_key:
        return f"{where}: the name {_shown(e['input'])} is not allowed; {expected}"
    if isinstance(e["input"], dict) and kind not in _EXPECTED:
        return f"{where}: {expected}"  # a rule about the table as a whole
    return f"{where} is {_shown(e['input'])}; {expected}"


def _where(path: tuple, data: Any) -> str:
    """A setting's place as a council reads its file: `category.police.min_age`, or
    `source 2 (CSC).mapping` for the second table of an array of tables."""
    words: list[str] = []
    for part in path:
        if isinstance(part, int):
            item = data[part] if isinstance(data, list) and part < len(data) else None
            named = next(
                (item[k] for k in ("code", "type") if isinstance(item, dict) and k in item), None
            )
            words[-1] += f" {part + 1}" + (f" ({named})" if isinstance(named, str) else "")
            data = item
        else:
            words.append(str(part))
            data = data.get(part) if isinstance(data, dict) else None
    return ".".join(words) or "the file"


def _shown(value: Any) -> str:
    """A value as it is written in TOML, shortened."""
    if isinstance(value, dict):
        return "a table"
    try:
        shown = json.dumps(value, default=str, ensure_ascii=False)
    except (TypeError, ValueError):
        shown = repr(value)
    return shown if len(shown) <= 80 else shown[:77] + "..."


def _keys_at(model: type[BaseModel], path: tuple) -> list[str]:
    """The settings the table at `path` may hold, for a misspelt one's sentence."""
    shape: Any = model
    for part in path:
        shape = _inner(shape, part)
    shape = _unwrapped(shape)
    if isinstance(shape, type) and issubclass(shape, BaseModel):
        return sorted(field.alias or name for name, field in shape.model_fields.items())
    return []


def _inner(shape: Any, part: Any) -> Any:
    """The type one step inside `shape`: a model's field, a table's or a list's items."""
    shape = _unwrapped(shape)
    if isinstance(shape, type) and issubclass(shape, BaseModel):
        fields = {field.alias or name: field for name, field in shape.model_fields.items()}
        return fields[part].annotation if part in fields else None
    args = get_args(shape)
    if get_origin(shape) is dict:
        return args[1]
    return args[0] if args else None


def _unwrapped(shape: Any) -> Any:
    """`X` from `Annotated[X, ...]` or `X | None`."""
    while get_origin(shape) in (Annotated, Union, UnionType):
        shape = next(a for a in get_args(shape) if a is not NoneType)
    return shape
