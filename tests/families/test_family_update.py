"""Updating the family links of changed persons writes what a full build would.

Each test changes the index or the sources the way a link run, a steward or an import
does, updates the families of the persons changed, and compares every link with a full
build's of the same data.
"""

import random
from datetime import UTC, date, datetime

import pytest
from django.utils import timezone

from familyview.access.factories import create_authority
from familyview.families.building import COLUMNS, build_families
from familyview.families.factories import create_person, create_relationship
from familyview.families.models import FamilyBuild, FamilyLink
from familyview.identity.models import LinkedRecord, LinkRun, Person
from familyview.sources.factories import create_import, create_person_record, create_source
from familyview.sources.models import ExtractImport, PersonRecord

pytestmark = pytest.mark.django_db

EXTRACTED = datetime(2026, 5, 1, 6, 30, tzinfo=UTC)
WORDS = ["mother", "father", "parent", "step_parent", "sibling", "partner", "child", "carer"]
# A hostel (more people than a household holds), houses with UPRNs, houses without.
ADDRESSES = (
    [{"uprn": "9000"}] * 6
    + [{"uprn": str(100 + i)} for i in range(6)]
    + [{"address_line1": f"{i} Mill Lane", "postcode": "SK1 3XE"} for i in range(1, 5)]
    + [{"uprn": "101", "address_line1": "1 High Street", "postcode": "SK2 4AB"}]
    + [{}]
)


def every_link() -> list[tuple]:
    return sorted(
        FamilyLink.objects.values_list(*(c.removesuffix("_id") for c in COLUMNS)),
        key=repr,
    )


def assert_update_is_a_full_build(changed: set[str]) -> FamilyBuild:
    update = build_families(changed=changed)
    assert update.mode == FamilyBuild.Mode.UPDATE
    updated = every_link()
    build_families()
    assert updated == every_link()
    return update


class World:
    """A small authority with random families, addresses and sources."""

    def __init__(self, seed: int):
        self.rng = random.Random(seed)
        authority = create_authority("stockport")
        self.sources = [
            create_source(authority, code=f"S{i}", name=f"Source {i}") for i in range(3)
        ]
        self.imports = [create_import(s, extracted_at=EXTRACTED) for s in self.sources]
        self.run = LinkRun.objects.create(mode=LinkRun.Mode.FULL)
        for _ in range(45):
            records = [self.record(self.rng.choice(self.imports)) for _ in range(self.n())]
            probability = self.rng.choice([None, 0.9, 0.995])
            create_person(*records, probability=probability, run=self.run)
        for _ in range(70):
            self.relationship(self.rng.choice(self.imports))

    def n(self) -> int:
        return self.rng.choice([1, 1, 1, 2, 3])

    def record(self, extract_import) -> PersonRecord:
        since = self.rng.choice([None, date(2016, 1, 1), date(2020, 6, 1), date(2024, 2, 1)])
        return create_person_record(
            extract_import,
            address_from=since,
            restricted=self.rng.random() < 0.04,
            **self.rng.choice(ADDRESSES),
        )

    def relationship(self, extract_import) -> None:
        records = list(PersonRecord.objects.filter(source=extract_import.source))
        a, b = self.rng.sample(records, 2)
        word = self.rng.choice(WORDS)
        if not a.relationships.filter(related_record=b, relationship_type=word).exists():
            create_relationship(extract_import, a, b, word)

    def persons(self) -> list[str]:
        return sorted(set(LinkedRecord.objects.values_list("person_id", flat=True)))

    def change(self) -> set[str]:
        """One random change; returns the persons it changed (as a link run or a steward
        would tell the build), leaving imports for the build to find."""
        rng = self.rng
        kind = rng.choice(
            [
                "move",
                "split",
                "merge",
                "probability",
                "new",
                "said",
                "unsaid",
                "ended",
                "shield",
                "moved house",
            ]
        )
        links = list(LinkedRecord.objects.order_by("person_record_id"))
        link = rng.choice(links)
        if kind == "move":
            to = rng.choice(self.persons())
            LinkedRecord.objects.filter(pk=link.pk).update(person_id=to)
            return {link.person_id, to}
        if kind == "split":
            new = Person.objects.create()
            LinkedRecord.objects.filter(pk=link.pk).update(person=new)
            return {link.person_id, new.pk}
        if kind == "merge":
            other = rng.choice(self.persons())
            LinkedRecord.objects.filter(person_id=other).update(person_id=link.person_id)
            Person.objects.filter(pk=other).update(retired_at=timezone.now())
            return {link.person_id, other}
        if kind == "probability":
            LinkedRecord.objects.filter(pk=link.pk).update(match_probability=rng.random())
            return {link.person_id}
        # An import changes its own source's records and relationships.
        source = rng.choice(self.sources)
        if kind in ("ended", "shield", "moved house"):
            source = link.person_record.source
        later = create_import(source, extracted_at=timezone.now())
        if kind == "new":
            return {create_person(self.record(later), run=self.run).pk}
        if kind == "said":
            self.relationship(later)
        elif kind == "unsaid":
            said = list(later.source.sourcerelationship_set.filter(ended_at=None))
            if said:
                ended = rng.choice(said)
                ended.ended_at, ended.ended_by_import = timezone.now(), later
                ended.save()
        elif kind == "ended":
            PersonRecord.objects.filter(pk=link.person_record_id).update(
                ended_at=timezone.now() - timezone.timedelta(days=rng.randrange(4000)),
                ended_by_import=later,
            )
        elif kind == "shield":
            PersonRecord.objects.filter(pk=link.person_record_id).update(
                restricted=rng.random() < 0.5, changed_by_import=later
            )
        else:  # the source corrects the record's address
            address = {"uprn": "", "address_line1": "", "postcode": "", **rng.choice(ADDRESSES)}
            PersonRecord.objects.filter(pk=link.person_record_id).update(
                changed_by_import=later, **address
            )
        return set()


@pytest.mark.parametrize("seed", [1, 2, 3, 15])
def test_every_change_updated_is_what_a_full_build_writes(seed):
    world = World(seed)
    full = build_families()
    assert full.mode == FamilyBuild.Mode.FULL
    # The world is rich enough to test anything: every kind of link, disputes, a hostel.
    assert full.source_links and full.derived_links and full.household_links
    assert full.disputed_links and full.crowded_addresses
    for _ in range(25):
        assert_update_is_a_full_build(world.change())


@pytest.mark.parametrize("seed", [4, 5])
def test_a_full_build_writes_what_an_update_of_every_person_writes(seed):
    world = World(seed)
    build_families()
    for _ in range(5):
        world.change()
    assert_update_is_a_full_build(set(LinkedRecord.objects.values_list("person_id", flat=True)))


def use_rules(tmp_path, settings, old: str, new: str) -> None:
    """Build by a council's copy of building.toml with `old` written as `new`."""
    from familyview.families import building

    rules = tmp_path / "building.toml"
    rules.write_text(building.RULES_FILE.read_text().replace(old, new))
    settings.FAMILYVIEW_BUILDING_RULES = str(rules)


@pytest.fixture
def csc_and_two_households():
    authority = create_authority("stockport")
    csc = create_import(create_source(authority, code="CSC", name="Case system"))
    at_one = [create_person(create_person_record(csc, uprn="1001")) for _ in range(2)]
    at_two = [create_person(create_person_record(csc, uprn="2002")) for _ in range(2)]
    return (*at_one, *at_two)


def test_an_update_leaves_the_links_of_persons_it_need_not_look_at_as_they_were(
    csc_and_two_households,
):
    a, b, c, d = csc_and_two_households
    build_families()
    others = set(FamilyLink.objects.filter(person__in=[c, d]).values_list("pk", flat=True))
    LinkedRecord.objects.filter(person=b).update(match_probability=0.5)
    update = build_families(changed={b.pk})
    assert update.persons == 2  # a and b: c and d were not looked at
    assert set(FamilyLink.objects.filter(person__in=[c, d]).values_list("pk", flat=True)) == others
    assert FamilyLink.objects.get(person=a).confidence == pytest.approx(0.8 * 0.5)


def test_the_first_build_and_a_build_under_changed_rules_are_full(
    csc_and_two_households, tmp_path, settings
):
    a, *_ = csc_and_two_households
    assert build_families(changed={a.pk}).mode == FamilyBuild.Mode.FULL
    assert build_families(changed={a.pk}).mode == FamilyBuild.Mode.UPDATE
    use_rules(tmp_path, settings, "0.8 ", "0.7 ")
    assert build_families(changed={a.pk}).mode == FamilyBuild.Mode.FULL
    assert FamilyLink.objects.filter(evidence="uprn").first().confidence == pytest.approx(0.7)


def test_an_import_since_the_last_build_is_found_without_being_told(csc_and_two_households):
    a, _b, c, _d = csc_and_two_households
    build_families()
    record_a, record_c = (p.records.get().person_record for p in (a, c))
    later = create_import(record_a.source)
    create_relationship(later, record_a, record_c, "partner")
    update = assert_update_is_a_full_build(set())
    assert update.source_links == 2  # a's partner c, and c's partner a
    assert FamilyLink.objects.filter(person=c, related_person=a, relationship_type="partner")


def an_import_moves(person, **address) -> None:
    """After a build, an import corrects the address of the person's record."""
    build_families()
    later = create_import(person.records.get().person_record.source)
    PersonRecord.objects.filter(link__person=person).update(changed_by_import=later, **address)
    assert_update_is_a_full_build(set())


def test_an_address_corrected_by_an_import_moves_the_household(csc_and_two_households):
    a, b, c, d = csc_and_two_households
    an_import_moves(b, uprn="2002")
    assert set(FamilyLink.objects.filter(person=b).values_list("related_person", flat=True)) == {
        c.pk,
        d.pk,
    }
    assert not FamilyLink.objects.filter(person=a).exists()


@pytest.mark.parametrize(
    ("written", "also_written"),
    [("1012 AB", "1012AB"), ("D02 X285", "D02 X285"), ("1100-148", "1100-148")],
)
def test_a_household_at_another_countrys_postcode_is_found_by_an_update(written, also_written):
    csc = create_import(create_source(create_authority("stockport"), code="CSC", name="Case"))
    a, b = (
        create_person(create_person_record(csc, address_line1="12 Keizersgracht", postcode=p))
        for p in (written, also_written)
    )
    c = create_person(create_person_record(csc, address_line1="3 Mill Lane", postcode="SK1 3XE"))
    an_import_moves(c, address_line1="12 Keizersgracht", postcode=written)
    household = FamilyLink.objects.filter(person=c).values_list("related_person", flat=True)
    assert set(household) == {a.pk, b.pk}


def test_an_address_cleared_by_an_import_ends_the_household(csc_and_two_households):
    a, b, _c, _d = csc_and_two_households
    an_import_moves(b, uprn="")
    assert not FamilyLink.objects.filter(person__in=[a, b]).exists()


def test_a_merge_that_brings_a_parent_within_the_limit_works_out_all_their_children(
    tmp_path, settings
):
    use_rules(tmp_path, settings, "max_children_per_parent = 15", "max_children_per_parent = 3")
    csc = create_import(create_source(create_authority("stockport"), code="CSC", name="Case"))
    mother = create_person_record(csc)
    create_person(mother)
    children = [create_person(create_person_record(csc)) for _ in range(4)]
    for child in children:
        create_relationship(csc, child.records.get().person_record, mother, "mother")
    build_families()
    assert not FamilyLink.objects.filter(basis="derived").exists()  # four: over the limit
    # The fourth child's record turns out to be the third child's.
    gone, kept = children[3], children[2]
    LinkedRecord.objects.filter(person=gone).update(person=kept)
    assert_update_is_a_full_build({gone.pk, kept.pk})
    assert FamilyLink.objects.filter(basis="derived").count() == 6  # three siblings, both ways


def test_an_import_under_way_during_an_update_is_looked_at_by_the_next(csc_and_two_households):
    a, _b, c, _d = csc_and_two_households
    record_a, record_c = (p.records.get().person_record for p in (a, c))
    build_families()
    # An import starts, and commits only after an update (a steward's merge) has run...
    under_way = create_import(record_a.source, status=ExtractImport.Status.RUNNING)
    build_families(changed={a.pk})
    create_relationship(under_way, record_a, record_c, "partner")
    ExtractImport.objects.filter(pk=under_way.pk).update(
        status=ExtractImport.Status.LOADED,
        finished_at=EXTRACTED,  # long before the update
    )
    # ...and the next update still finds what it changed.
    assert_update_is_a_full_build(set())
    assert FamilyLink.objects.filter(person=c, related_person=a, relationship_type="partner")


def test_a_link_run_whose_families_were_never_updated_makes_the_next_build_full(
    csc_and_two_households,
):
    a, *_ = csc_and_two_households
    build_families()
    stopped = LinkRun.objects.create(mode=LinkRun.Mode.INCREMENTAL)  # its update never ran
    assert build_families(changed={a.pk}).mode == FamilyBuild.Mode.FULL
    this = LinkRun.objects.create(mode=LinkRun.Mode.INCREMENTAL)
    assert build_families(changed={a.pk}, run=this.pk).mode == FamilyBuild.Mode.UPDATE
    assert stopped.pk < this.pk


def test_step_siblings_through_two_step_parents_are_as_sure_whatever_the_order():
    from familyview.families.building import _derived_siblings, build_rules

    statements = [
        (1, "x", "s1", "step_parent", 0.9),
        (1, "x", "s2", "step_parent", 0.5),
        (1, "f", "s1", "mother", 0.6),
        (1, "f", "s2", "father", 0.95),
    ]
    rules = build_rules()
    rows = {tuple(_derived_siblings(statements, rules))}
    rows.add(tuple(_derived_siblings(list(reversed(statements)), rules)))
    assert len(rows) == 1
    (only,) = rows
    assert {r.confidence for r in only} == {round(rules.derived_confidence * 0.6, 4)}
