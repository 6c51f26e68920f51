"""The person index's settings, as data: thresholds, the bar for a source's own
duplicates, and which services' records are adults'.

The built-in file (identity/thresholds.toml) holds the defaults; a council's own file,
named by FAMILYVIEW_LINKAGE_SETTINGS, changes any of them without editing the installed
package. Both are checked on load, and a mistake names the file, the key and what was
expected.
"""

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

DEFAULT_FILE = Path(__file__).with_name("thresholds.toml")
ENVIRONMENT_VARIABLE = "FAMILYVIEW_LINKAGE_SETTINGS"


class LinkageSettingsError(ValueError):
    """A linkage settings file that cannot be used, with where and why."""


@dataclass(frozen=True)
class Thresholds:
    """Above `upper` records of two sources link by themselves; between `lower` and
    `upper` a steward decides. Two records of one source link by themselves only at or
    above `duplicates_upper` (or on a shared NHS number)."""

    upper: float
    lower: float
    duplicates_upper: float
    adult_categories: frozenset[str]
    files: tuple[Path, ...] = (DEFAULT_FILE,)


def _read(path: Path) -> dict:
    try:
        with path.open("rb") as f:
            return tomllib.load(f)
    except FileNotFoundError:
        raise LinkageSettingsError(
            f"{path}: no such linkage settings file (named by {ENVIRONMENT_VARIABLE})"
        ) from None
    except tomllib.TOMLDecodeError as e:
        raise LinkageSettingsError(f"{path}: not valid TOML ({e})") from None


def _probability(data: dict, key: str, where: str) -> float:
    value = data[key]
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= 1:
        raise LinkageSettingsError(
            f"{where}: {key} = {value!r}: expected a probability above 0 and at most 1"
        )
    return float(value)


def thresholds(path: Path | None = None) -> Thresholds:
    """The settings in force: the built-in file, then the council's (if named), or `path`
    alone when given."""
    files = [path] if path else [DEFAULT_FILE]
    if path is None and os.environ.get(ENVIRONMENT_VARIABLE):
        files.append(Path(os.environ[ENVIRONMENT_VARIABLE]))
    data: dict = {}
    for file in files:
        layer = _read(file)
        unknown = sorted(set(layer) - {"upper", "lower", "duplicates_upper", "adult_categories"})
        if unknown:
            raise LinkageSettingsError(
                f"{file}: unknown setting(s) {', '.join(unknown)}; expected upper, lower, "
                "duplicates_upper, adult_categories"
            )
        data.update(layer)
    where = " + ".join(str(f) for f in files)
    missing = sorted({"upper", "lower"} - set(data))
    if missing:
        raise LinkageSettingsError(f"{where}: missing {', '.join(missing)}")
    upper = _probability(data, "upper", where)
    lower = _probability(data, "lower", where)
    duplicates = _probability(
        {"duplicates_upper": data.get("duplicates_upper", upper)}, "duplicates_upper", where
    )
    if not lower < upper:
        raise LinkageSettingsError(f"{where}: need lower ({lower}) below upper ({upper})")
    if duplicates < upper:
        raise LinkageSettingsError(
            f"{where}: duplicates_upper ({duplicates}) must be at least upper ({upper}): "
            "a source's own duplicates need the stricter bar"
        )
    categories = data.get("adult_categories", [])
    if not isinstance(categories, list) or not all(isinstance(c, str) for c in categories):
        raise LinkageSettingsError(
            f"{where}: adult_categories = {categories!r}: expected a list of service category codes"
        )
    return Thresholds(upper, lower, duplicates, frozenset(categories), tuple(files))
