"""The person index's settings, as data: thresholds, the bar for a source's own
duplicates, and which services' records are adults'.

The built-in file (identity/thresholds.toml) holds the defaults; a council's own file,
named by FAMILYVIEW_LINKAGE_SETTINGS, changes any of them without editing the installed
package. Both are checked on load (Pydantic), and a mistake names the file, the setting
and what was expected.
"""

import os
import tomllib
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

DEFAULT_FILE = Path(__file__).with_name("thresholds.toml")
ENVIRONMENT_VARIABLE = "FAMILYVIEW_LINKAGE_SETTINGS"

Probability = Field(gt=0, le=1)


class LinkageSettingsError(ValueError):
    """A linkage settings file that cannot be used, with where and why."""


class Thresholds(BaseModel):
    """Above `upper` records of two sources link by themselves; between `lower` and
    `upper` a steward decides. Two records of one source link by themselves only at or
    above `duplicates_upper` (or on a shared NHS number). Records of `adult_categories`
    are adults' records."""

    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)

    upper: float = Probability
    lower: float = Probability
    duplicates_upper: float = Probability
    adult_categories: frozenset[str] = frozenset()

    @model_validator(mode="after")
    def _in_order(self) -> "Thresholds":
        if not self.lower < self.upper:
            raise ValueError(f"lower ({self.lower}) must be below upper ({self.upper})")
        if self.duplicates_upper < self.upper:
            raise ValueError(
                f"duplicates_upper ({self.duplicates_upper}) must be at least upper "
                f"({self.upper}): a source's own duplicates need the stricter bar"
            )
        return self


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


def thresholds(path: Path | None = None) -> Thresholds:
    """The settings in force: the built-in file, then the council's (if named), or `path`
    alone when given."""
    files = [path] if path else [DEFAULT_FILE]
    if path is None and os.environ.get(ENVIRONMENT_VARIABLE):
        files.append(Path(os.environ[ENVIRONMENT_VARIABLE]))
    data: dict = {}
    for file in files:
        data.update(_read(file))
    data.setdefault("duplicates_upper", data.get("upper"))
    if isinstance(data.get("adult_categories"), list):
        data["adult_categories"] = frozenset(data["adult_categories"])
    try:
        return Thresholds(**data)
    except ValidationError as error:
        where = " + ".join(str(f) for f in files)
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'settings'}: "
            f"{e['msg'].removeprefix('Value error, ')}"
            + (f" (found {e['input']!r})" if e["loc"] else "")
            for e in error.errors(include_url=False)
        )
        raise LinkageSettingsError(f"{where}: {problems}") from None
