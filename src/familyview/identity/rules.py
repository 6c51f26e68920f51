"""Hard rules: evidence that decides a pair whatever the model's score.

Deterministic links first (the same valid NHS number with a compatible date of birth),
then the pairs that must never be one person.
"""

from collections import defaultdict
from functools import lru_cache

from familyview.identity.features import formal_forms


# Names repeat (a search scores one typed name against many records of a few surnames):
# a pure function of two short strings is worth remembering.
@lru_cache(maxsize=1 << 16)
def jaro_winkler(a: str, b: str) -> float:
    """Jaro-Winkler similarity of two strings (1.0 the same, 0.0 nothing in common)."""
    if a == b:
        return 1.0
    if not a or not b:
        return 0.0
    window = max(len(a), len(b)) // 2 - 1
    a_hit = [False] * len(a)
    b_hit = [False] * len(b)
    matches = 0
    for i, ch in enumerate(a):
        for j in range(max(0, i - window), min(len(b), i + window + 1)):
            if not b_hit[j] and b[j] == ch:
                a_hit[i] = b_hit[j] = True
                matches += 1
                break
    if not matches:
        return 0.0
    a_chars = [c for c, hit in zip(a, a_hit, strict=True) if hit]
    b_chars = [c for c, hit in zip(b, b_hit, strict=True) if hit]
    transpositions = sum(x != y for x, y in zip(a_chars, b_chars, strict=True)) / 2
    jaro = (matches / len(a) + matches / len(b) + (matches - transpositions) / matches) / 3
    prefix = 0
    for x, y in zip(a[:4], b[:4], strict=False):
        if x != y:
            break
        prefix += 1
    return jaro + prefix * 0.1 * (1 - jaro)


def dates_compatible(a: dict, b: dict) -> bool:
    """Whether two (possibly partial) dates of birth could be the same date."""
    for part in ("birth_year", "birth_month", "birth_day"):
        x, y = a[part], b[part]
        if x is not None and y is not None and x != y:
            # A day-month swap is the commonest slip; allow it.
            swapped = (
                a["birth_year"] == b["birth_year"]
                and a["birth_month"] == b["birth_day"]
                and a["birth_day"] == b["birth_month"]
            )
            return swapped
    return True


def deterministic_pairs(records: list[dict]) -> list[tuple[int, int]]:
    """Records sharing a valid NHS number with compatible dates of birth."""
    by_number: dict[tuple, list[dict]] = defaultdict(list)
    for r in records:
        if r["nhs_number"]:
            by_number[(r.get("authority"), r["nhs_number"])].append(r)
    pairs = []
    for group in by_number.values():
        for i, a in enumerate(group):
            for b in group[i + 1 :]:
                if a["source"] != b["source"] and dates_compatible(a, b):
                    pairs.append((a["unique_id"], b["unique_id"]))
    return pairs


def _share(x: list[str] | None, y: list[str] | None) -> bool:
    return bool(x and y and set(x) & set(y))


def names_differ(a: dict, b: dict) -> bool:
    """Whether two given names are different names, not one name in two forms or a typo."""
    ga, gb = a["given_canonical"], b["given_canonical"]
    if not ga or not gb or ga == gb:
        return False
    # A familiar form of more than one name ("Chris", "Charlie") is either of them.
    if formal_forms(a["given_name"] or "") & formal_forms(b["given_name"] or ""):
        return False
    return jaro_winkler(ga, gb) < 0.92 and jaro_winkler(a["given_name"], b["given_name"]) < 0.92


def must_stay_apart(a: dict, b: dict) -> str | None:
    """Why two records can never be one person without a steward saying so, or None."""
    if a.get("authority") != b.get("authority"):
        return "records of different authorities"  # each council's index is its own
    if a["nhs_number"] and b["nhs_number"]:
        if a["nhs_number"] != b["nhs_number"]:
            return "different NHS numbers"
        same_nhs = True
    else:
        same_nhs = False
    if a["source"] == b["source"]:
        return f"two different records of one source ({a['source']})"
    if same_nhs:
        return None  # one NHS number is one person, whatever the names say
    fa, fb = a["family_name"], b["family_name"]
    same_surname = bool(
        fa
        and fb
        and (fa == fb or jaro_winkler(fa, fb) >= 0.9 or _share(a["surnames"], b["surnames"]))
    )
    same_address = (a["uprn"] and a["uprn"] == b["uprn"]) or (
        a["postcode"] and a["postcode"] == b["postcode"]
    )
    if same_surname and same_address:
        # Twins, siblings, a parent and child: one surname, one address, and either
        # different given names or births years apart.
        if names_differ(a, b):
            return "different given names at one address (twins, siblings, parent and child)"
        ya, yb = a["birth_year"], b["birth_year"]
        if ya and yb and abs(ya - yb) >= 2:
            return "born years apart at one address (a parent and child, or siblings)"
    return None
