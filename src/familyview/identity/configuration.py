"""The person index's settings, as data: thresholds, the bar for a source's own
duplicates, and which services' records are adults'.

The built-in file (identity/thresholds.toml) holds the defaults; a council's own file,
named by FAMILYVIEW_LINKAGE_SETTINGS, changes any of them without editing the installed
package (familyview/settings_files.py reads, merges and checks both).
"""

from pathlib import Path
from typing import Annotated

from pydantic import Field, model_validator

from familyview.settings_files import FROM_ARRAY, SettingsModel, load_settings

DEFAULT_FILE = Path(__file__).with_name("thresholds.toml")
ENVIRONMENT_VARIABLE = "FAMILYVIEW_LINKAGE_SETTINGS"

Probability = Annotated[float, Field(gt=0, le=1)]


class Thresholds(SettingsModel):
    """Above `upper` records of two sources link by themselves; between `lower` and
    `upper` a steward decides. Two records of one source link by themselves only at or
    above `duplicates_upper` (or on a shared NHS number). Records of `adult_categories`
    are adults' records; involvements of `child_categories` show a child
    (identity/service_ages.py)."""

    upper: Probability
    lower: Probability
    duplicates_upper: Probability
    adult_categories: Annotated[frozenset[str], FROM_ARRAY]
    child_categories: Annotated[frozenset[str], FROM_ARRAY]

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


def thresholds() -> Thresholds:
    """The settings in force: the built-in file, with the council's (if named) over it."""
    return load_settings(Thresholds, DEFAULT_FILE, ENVIRONMENT_VARIABLE)
