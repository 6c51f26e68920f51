"""Hard rules: evidence that decides a pair whatever the model's score.

Deterministic links first (the same valid NHS number with a compatible date of birth),
then the pairs that must never be one person: different NHS numbers, and records that are
most likely two people of one family (twins, siblings, a parent and child). The family
rules use what the records say of age: a date of birth, or a source that serves only
adults. A typo (a given name one keystroke away, a birth year one digit off) is not a
different person by itself.
"""

from collections import Counter, defaultdict
from datetime import date

from rapidfuzz.distance import OSA, JaroWinkler

from familyview.identity.features import formal_forms

# The features the rules read: a link run hands them no more (a million records' address
# words and name forms would only take memory).
RULE_COLUMNS = (
    "unique_id",
    "authority",
    "source",
    "category",
    "given_name",
    "given_canonical",
    "middle_name",
    "family_name",
    "surnames",
    "birth_year",
    "birth_month",
    "birth_day",
    "sex",
    "postcode",
    "uprn",
    "nhs_number",
)


def jaro_winkler(a: str, b: str) -> float:
    """Jaro-Winkler similarity of two strings (1.0 the same, 0.0 nothing in common)."""
    return JaroWinkler.similarity(a, b)


def one_keystroke_apart(a: str, b: str) -> bool:
    """Whether one edit (a letter added, dropped, changed, or two swapped) makes one
    string the other: a typo, not another name."""
    return bool(a and b) and OSA.distance(a, b, score_cutoff=1) <= 1


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
                if dates_compatible(a, b):
                    pairs.append((a["unique_id"], b["unique_id"]))
    return pairs


# Reasons that leave a pair for a steward to decide, rather than settle it.
NO_DATE_OF_BIRTH = "a record without a date of birth and a child's record"
NO_DATE_NOR_SURNAME = "a record without a date of birth, under another surname"
DATE_ON_ONE_ONLY = "one source holding a record with a date of birth and one without"
NAMESAKES = "a record without a date of birth, where a parent and child of one name live"
BOY_AND_GIRL = "given names alike, one recorded as a boy and one as a girl"
TWO_FORMS_ONE_SOURCE = (
    "one source holding a given name and another form of it, on one date of birth"
)
ONE_SOURCE = "two different records of one source"


def is_decisive(reason: str | None) -> bool:
    """Whether a reason to keep two records apart settles it: different NHS numbers,
    twins, a parent and child. A missing date of birth, or a source's possible duplicate
    below its bar, is for a steward."""
    return bool(reason) and not reason.startswith(
        (
            NO_DATE_OF_BIRTH,
            NO_DATE_NOR_SURNAME,
            DATE_ON_ONE_ONLY,
            NAMESAKES,
            BOY_AND_GIRL,
            TWO_FORMS_ONE_SOURCE,
            ONE_SOURCE,
        )
    )


def answered_by_near_certain(reason: str) -> bool:
    """Whether a chain of near-certain links answers a reason to keep two records apart:
    a source's possible duplicate below its bar is one person when each of its records
    is near-certainly a third record. A family rule is never answered so."""
    return reason.startswith(ONE_SOURCE)


def one_source(a: dict, b: dict) -> str | None:
    """Two records of one source: one person only above the duplicates bar."""
    if a["source"] == b["source"]:
        return f"{ONE_SOURCE} ({a['source']})"
    return None


def _share(x: list[str] | None, y: list[str] | None) -> bool:
    return bool(x and y and set(x) & set(y))


def names_differ(a: dict, b: dict) -> bool:
    """Whether two given names are different names, not one name in two forms or a typo."""
    ga, gb = a["given_canonical"], b["given_canonical"]
    if not ga or not gb or ga == gb:
        return False
    na, nb = a["given_name"] or "", b["given_name"] or ""
    if called_by_middle_name(a, b):
        return False
    # A familiar form of more than one name ("Chris", "Charlie") is either of them.
    if formal_forms(na) & formal_forms(nb):
        return False
    if one_keystroke_apart(na, nb) or one_keystroke_apart(ga, gb):
        return False
    return jaro_winkler(ga, gb) < 0.92 and jaro_winkler(na, nb) < 0.92


def boy_and_girl_of_like_names(a: dict, b: dict) -> bool:
    """Given names written otherwise but not different names (Alexandru and Alexandra,
    Daniel and Daniela, Sam and Samuel), one recorded as a boy and the other as a girl:
    twins are often named so; or one person, with one sex recorded wrong."""
    return (
        _sexes_differ(a, b)
        and bool(a["given_name"] and b["given_name"])
        and a["given_name"] != b["given_name"]
        and not names_differ(a, b)
    )


def called_by_middle_name(a: dict, b: dict) -> bool:
    """Whether one record's given name is the other's middle name: Muhammad Imran Khan,
    called Imran, written "Imran" by one source (a person known by a middle name, in any
    naming convention)."""
    for x, y in ((a, b), (b, a)):
        given, middle = x["given_name"], y.get("middle_name")
        if (
            given
            and middle
            and len(middle) > 1
            and (given == middle or given in formal_forms(middle))
        ):
            return True
    return False


def _written_apart(x: str | None, y: str | None) -> bool:
    """Two given names written otherwise, beyond a typo."""
    return bool(x and y and x != y and not one_keystroke_apart(x, y))


def middle_names_differ(a: dict, b: dict) -> bool:
    """Both records have a middle name, and they are different names (an initial agrees
    with any name it begins)."""
    ma, mb = a.get("middle_name"), b.get("middle_name")
    if not ma or not mb or ma == mb:
        return False
    if len(ma) == 1 or len(mb) == 1:
        return ma[0] != mb[0]
    if formal_forms(ma) & formal_forms(mb) or one_keystroke_apart(ma, mb):
        return False
    return jaro_winkler(ma, mb) < 0.88


# Years between a parent's birth and their child's, at the least.
GENERATION = 14


def _sexes_differ(a: dict, b: dict) -> bool:
    return bool(a.get("sex") and b.get("sex") and a["sex"] != b["sex"])


def _digits_apart(x: int, y: int) -> bool:
    """Whether two years differ by more than one digit typed wrong or two swapped."""
    return OSA.distance(f"{x:04d}", f"{y:04d}") > 1


def born_years_apart(a: dict, b: dict) -> bool:
    """Two dates of birth years apart, beyond what a typo makes: a year one digit off
    (or two digits swapped) with the same month and day is one date mistyped."""
    ya, yb = a["birth_year"], b["birth_year"]
    if not ya or not yb or abs(ya - yb) < 2:
        return False
    same_day = (
        a["birth_month"] is not None
        and a["birth_month"] == b["birth_month"]
        and a["birth_day"] is not None
        and a["birth_day"] == b["birth_day"]
    )
    return not same_day or _digits_apart(ya, yb)


# A service for children only (a nursery or school, CAMHS) sees a child from this age.
PUPIL_FROM = 2
# Under this age, by birth year, a record is a child's (the review queue puts children
# first by the same age).
CHILD_UNDER = 18
# Services for adults take young people from 15 or 16: a record of such a service is kept
# apart only from the records of someone younger than this.
ADULT_SERVICES_FROM = 16


def is_child(record: dict, today: date | None = None, under: int = CHILD_UNDER) -> bool:
    """A record whose date of birth says a child (under 18 this year, or `under`)."""
    year = record["birth_year"]
    return bool(year) and (today or date.today()).year - year < under


def _age_conflict(a: dict, b: dict, adult_categories: frozenset[str]) -> str | None:
    """An adult's record and a child's, by what each record says of age."""
    for x, y in ((a, b), (b, a)):
        if not is_child(y):
            continue
        adults_only = x.get("category") in adult_categories
        if adults_only and not x["birth_year"] and is_child(y, under=ADULT_SERVICES_FROM):
            return (
                f"a record of a service for adults ({x['category'].replace('_', ' ')}) "
                "and a child's record"
            )
        if not x["birth_year"] and not adults_only:
            # What the undated record's own involvements say: in a service for children
            # (a school's roll, say) in a year. Before the child was born, it is someone
            # else's; while the child lived, it is a child's record, not a parent's.
            year = x.get("child_service_year")
            if year is not None and year < y["birth_year"]:
                return f"a record of a service for children in {year}, before the other was born"
            # A pupil's record of the child's own name, from when the child was of an
            # age for it, is the child's; a brother's or sister's (Leon and Leo) is not.
            if (
                year is None
                or year < y["birth_year"] + PUPIL_FROM
                or x["given_canonical"] != y["given_canonical"]
            ):
                return f"{NO_DATE_OF_BIRTH}: joined only on a shared NHS number"
    return None


def full_date(r: dict) -> tuple[int, int, int] | None:
    """A record's whole date of birth, or None when any part is missing."""
    date_parts = (r["birth_year"], r["birth_month"], r["birth_day"])
    return date_parts if all(date_parts) else None


class FamilyContext:
    """What the other records say about a family: which given names a source holds for
    one surname and date of birth (two names there: twins), and which birth years it holds
    for one name (two years: a parent and child of one name). A pair that looks like twins
    or a parent and child is kept apart on that evidence; without it, a pair whose only
    difference is one replaced given name or date of birth is left to the model."""

    def __init__(self, records=()):
        self._names: dict[tuple, Counter] = defaultdict(Counter)
        self._years: dict[tuple, Counter] = defaultdict(Counter)
        self._born_at: dict[tuple, set[int]] = defaultdict(set)
        for r in records:
            self.add(r)

    def add(self, r: dict) -> None:
        family, given = r["family_name"], r["given_canonical"]
        if family and given and full_date(r):
            self._names[(r.get("authority"), family, full_date(r))][(r["source"], given)] += 1
        if family and given and r["birth_year"]:
            self._years[(r.get("authority"), family, given)][(r["source"], r["birth_year"])] += 1
            if r.get("postcode"):
                self._born_at[(r.get("authority"), family, given, r["postcode"])].add(
                    r["birth_year"]
                )

    @staticmethod
    def _both_held(held: Counter, a: tuple, b: tuple, x, y) -> bool:
        """Whether one source holds both values x and y in a record besides the pair's own
        (a, b: each record's source and value): a pair alone is no evidence that two
        people exist."""
        for source in {s for s, _ in held}:
            with_x, with_y = held[(source, x)], held[(source, y)]
            pair_here = (a[0] == source) + (b[0] == source)
            if with_x and with_y and with_x + with_y > pair_here:
                return True
        return False

    def twins_known(self, a: dict, b: dict) -> bool:
        """Whether a source holds both given names for this surname and date of birth."""
        held = self._names.get((a.get("authority"), a["family_name"], full_date(a)), Counter())
        ga, gb = a["given_canonical"], b["given_canonical"]
        return self._both_held(held, (a["source"], ga), (b["source"], gb), ga, gb)

    def parent_and_child_known(self, a: dict, b: dict) -> bool:
        """Whether a source holds both birth years for this name."""
        key = (a.get("authority"), a["family_name"], a["given_canonical"])
        held = self._years.get(key, Counter())
        ya, yb = a["birth_year"], b["birth_year"]
        return self._both_held(held, (a["source"], ya), (b["source"], yb), ya, yb)

    def namesakes_known(self, a: dict, b: dict) -> bool:
        """Whether the records show two people of this name at either record's postcode,
        born a generation apart (a father and the son named for him): a record of that
        name without a date of birth there could be either."""
        for r in (a, b):
            key = (r.get("authority"), r["family_name"], r["given_canonical"], r.get("postcode"))
            years = self._born_at.get(key)
            if years and max(years) - min(years) >= GENERATION:
                return True
        return False


class _EveryFamilyKnown(FamilyContext):
    """No other records to look at: every twin and parent-child shape is taken as two
    people (what a steward's page warns of)."""

    def twins_known(self, a: dict, b: dict) -> bool:
        return True

    def parent_and_child_known(self, a: dict, b: dict) -> bool:
        return True

    def namesakes_known(self, a: dict, b: dict) -> bool:
        return False  # a pair alone says nothing of a namesake


EVERY_FAMILY_KNOWN = _EveryFamilyKnown()


def must_stay_apart(
    a: dict,
    b: dict,
    adult_categories: frozenset[str] = frozenset(),
    context: FamilyContext = EVERY_FAMILY_KNOWN,
) -> str | None:
    """Why two records can never be one person without a steward saying so, or None.

    `adult_categories`: the service categories whose records are adults' (the linkage
    settings name them). `context`: the other records, which say whether twins or a parent
    and child of one name exist (without it, they are taken to). Two records of one source
    are `one_source`'s to decide.

    A reason that settles the pair (twins, siblings or a parent and child at one address)
    is given before one that leaves it to a steward (a missing date of birth): a sister's
    undated record is two people, not a question."""
    if a.get("authority") != b.get("authority"):
        return "records of different authorities"  # each council's index is its own
    if a["nhs_number"] and b["nhs_number"]:
        if a["nhs_number"] != b["nhs_number"]:
            return "different NHS numbers"
        return None  # one NHS number is one person, whatever the names say
    age = _age_conflict(a, b, adult_categories)
    if age and is_decisive(age):
        return age
    same_surname = _same_surname(a, b)
    related = _related(a, b, context) if same_surname else None
    if related or age:
        return related or age
    if same_surname and boy_and_girl_of_like_names(a, b):
        return f"{BOY_AND_GIRL} (twins, or one sex recorded wrong): a steward decides"
    if (
        a["source"] == b["source"]
        and bool(a["birth_year"]) != bool(b["birth_year"])
        and (a["given_name"], a.get("middle_name")) != (b["given_name"], b.get("middle_name"))
    ):
        # A source that keeps one record's date of birth and not the other's, under a name
        # written otherwise (Elizabeth and Elsie; Grace and Grace Elizabeth), is more often
        # holding a relative entered with fewer details than the person twice.
        return f"{DATE_ON_ONE_ONLY}, the names written otherwise: a steward decides"
    if not same_surname:
        if a["family_name"] and b["family_name"] and not (a["birth_year"] and b["birth_year"]):
            # Without a date of birth, and under another surname, little but a given name
            # and an address is left: what a parent and child, or two lodgers, share.
            return f"{NO_DATE_NOR_SURNAME}: a steward decides"
        return None
    if (
        not (a["birth_year"] and b["birth_year"])
        and a["given_canonical"]
        and not names_differ(a, b)
        and context.namesakes_known(a, b)
    ):
        # A father and the son named for him live here: without a date of birth, the
        # records cannot say whose this is.
        return f"{NAMESAKES}: a steward decides"
    if (
        a["source"] == b["source"]
        and full_date(a)
        and full_date(a) == full_date(b)
        and _written_apart(a["given_name"], b["given_name"])
        and not names_differ(a, b)
    ):
        # Henry and Harry in one school, born the same day: twins, or one child recorded
        # twice under a familiar name. The records cannot say which.
        return f"{TWO_FORMS_ONE_SOURCE} (twins, or one person twice): a steward decides"
    return None


def _born_apart(a: dict, b: dict) -> bool:
    """Both records give a year and month of birth, and they differ."""
    parts = ("birth_year", "birth_month")
    return all(a[p] and b[p] for p in parts) and any(a[p] != b[p] for p in parts)


def _same_surname(a: dict, b: dict) -> bool:
    fa, fb = a["family_name"], b["family_name"]
    return bool(
        fa
        and fb
        and (fa == fb or jaro_winkler(fa, fb) >= 0.9 or _share(a["surnames"], b["surnames"]))
    )


def _related(a: dict, b: dict, context: FamilyContext) -> str | None:
    """Why two records of one surname are two people of one family (twins, siblings, a
    parent and child), or None: reasons that settle a pair."""
    same_address = (a["uprn"] and a["uprn"] == b["uprn"]) or (
        a["postcode"] and a["postcode"] == b["postcode"]
    )
    child = is_child(a) or is_child(b)
    # A boy and a girl of like names (Daniel, Daniela) are twins where a source holds
    # both names on their birthday, and siblings where both records say they were born
    # apart.
    differ = names_differ(a, b)
    boy_and_girl = not differ and boy_and_girl_of_like_names(a, b)
    if differ or boy_and_girl:
        if full_date(a) and full_date(a) == full_date(b):
            if boy_and_girl and not context.twins_known(a, b):
                return None  # twins, or one person with one sex recorded wrong
            # Twins, unless one given name was simply recorded wrong. Twins: a child's
            # record; one source holding both; different sexes recorded; or another
            # record of a source holding both names.
            if (
                child
                or a["source"] == b["source"]
                or _sexes_differ(a, b)
                or context.twins_known(a, b)
            ):
                return "different given names, one surname and one date of birth (twins)"
        elif same_address and (differ or _born_apart(a, b)):
            return "different given names at one address (siblings, a parent and child)"
    elif born_years_apart(a, b) and (
        # One name, births years apart: a parent and child of one name, unless one date
        # was recorded wrong. A child's record, a generation between them at one address,
        # or a source holding both years says two.
        child
        or (same_address and abs(a["birth_year"] - b["birth_year"]) >= GENERATION)
        or context.parent_and_child_known(a, b)
    ):
        return "one name, born years apart (a parent and child)"
    if same_address and middle_names_differ(a, b):
        return "different middle names at one address (a parent and child, or siblings)"
    return None
