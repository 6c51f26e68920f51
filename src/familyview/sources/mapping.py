"""Per-source mappings: a source's own column names and values, as data files.

A mapping is a file of the council's own, one per kind of source system, with no built-in
default to change: the built-in ones, the council's in FAMILYVIEW_MAPPINGS_DIR, or any file
by its path, read and checked by familyview/settings_files.py.
"""

from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Literal

from django.conf import settings

from familyview.settings_files import FROM_ARRAY, SettingsFileError, SettingsModel, Text, read_file

BUILT_IN_DIR = Path(__file__).with_name("mappings")
Layout = Literal["canonical", "family-context-cdm"]
KINDS = ("people", "involvements", "relationships", "row")


class MappingError(ValueError):
    """A mapping file is missing or malformed."""


@dataclass(frozen=True)
class Mapping:
    """How one source's files translate into the canonical extract format."""

    name: str
    layout: str = "canonical"
    date_formats: tuple[str, ...] = ()
    # kind -> canonical column -> the source's column
    columns: dict[str, dict[str, str]] = field(default_factory=dict)
    # kind -> canonical column -> the source's value -> canonical value; the source's
    # values as `value_key` makes them, so that a value matches however it is spaced or cased
    values: dict[str, dict[str, dict[str, str]]] = field(default_factory=dict)
    ignore_columns: frozenset[str] = frozenset()

    def source_column(self, kind: str, canonical: str) -> str:
        return self.columns.get(kind, {}).get(canonical, canonical)


class KindMapping(SettingsModel):
    """One kind of file in a mapping: canonical column = the source's column, and per
    canonical column, the source's value = the canonical value."""

    columns: dict[str, Text] = {}
    values: dict[str, dict[str, str]] = {}


class MappingFile(SettingsModel):
    """A mapping file as written (docs/extract-format.md)."""

    name: Text | None = None
    layout: Layout = "canonical"
    date_formats: Annotated[tuple[Text, ...], FROM_ARRAY] = ()
    ignore_columns: Annotated[frozenset[str], FROM_ARRAY] = frozenset()
    people: KindMapping | None = None
    involvements: KindMapping | None = None
    relationships: KindMapping | None = None
    row: KindMapping | None = None


def value_key(value: str) -> str:
    """A source's value as a mapping's value map looks it up: trimmed, in any case
    ('Not Specified ', 'NOT SPECIFIED' -> 'not specified')."""
    return value.strip().casefold()


def mapped(value_map: dict[str, str] | None, value: str) -> str:
    """The canonical value a value map gives a source's value, or the value as sent."""
    return value_map.get(value_key(value), value) if value_map else value


def mapping_file(name_or_path: str) -> Path:
    """The file of a built-in mapping by name, a council's mapping by name, or a path."""
    candidates = [
        BUILT_IN_DIR / f"{name_or_path}.toml",
        Path(settings.FAMILYVIEW_MAPPINGS_DIR) / f"{name_or_path}.toml",
        Path(name_or_path),
    ]
    path = next((p for p in candidates if p.is_file()), None)
    if path is None:
        raise MappingError(
            f"no mapping called {name_or_path!r}: not built in, not in "
            f"{settings.FAMILYVIEW_MAPPINGS_DIR}, and not a file; the mappings there are "
            f"{', '.join(mapping_names())}"
        )
    return path


def mapping_names() -> list[str]:
    """The names of the built-in mappings and of the council's own, in its mappings folder."""
    folders = (BUILT_IN_DIR, Path(settings.FAMILYVIEW_MAPPINGS_DIR))
    return sorted({p.stem for folder in folders if folder.is_dir() for p in folder.glob("*.toml")})


def load_mapping(name_or_path: str) -> Mapping:
    """A built-in mapping by name, a council's mapping by name, or a mapping file by path."""
    path = mapping_file(name_or_path)
    try:
        written = read_file(MappingFile, path)
    except SettingsFileError as e:
        raise MappingError(f"mapping {e}") from None
    kinds = {k: getattr(written, k) for k in KINDS if getattr(written, k) is not None}
    return Mapping(
        name=written.name or path.stem,
        layout=written.layout,
        date_formats=written.date_formats,
        columns={k: dict(kind.columns) for k, kind in kinds.items()},
        values={
            k: {
                column: {value_key(sent): canonical for sent, canonical in value_map.items()}
                for column, value_map in kind.values.items()
            }
            for k, kind in kinds.items()
        },
        ignore_columns=written.ignore_columns,
    )
