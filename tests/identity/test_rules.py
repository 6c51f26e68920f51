"""The hard rules: who must stay apart, and what links deterministically."""

from familyview.identity.clusters import assign_persons, cluster
from familyview.identity.features import canonical_given, plain, surname_history
from familyview.identity.rules import (
    DATE_ON_ONE_ONLY,
    NO_DATE_OF_BIRTH,
    FamilyContext,
    dates_compatible,
    deterministic_pairs,
    is_decisive,
    jaro_winkler,
    must_stay_apart,
    one_source,
)


def rec(uid, source="A", **fields):
    base = {
        "unique_id": uid,
        "source": source,
        "given_name": "jacob",
        "given_canonical": "jacob",
        "family_name": "taylor",
        "surnames": ["taylor"],
        "birth_year": 2021,
        "birth_month": 1,
        "birth_day": 16,
        "postcode": "SK24EY",
        "uprn": "100011017495",
        "nhs_number": None,
    }
    base.update(fields)
    if "given_name" in fields and "given_canonical" not in fields:
        base["given_canonical"] = canonical_given(fields["given_name"])
    return base


def test_names_lose_accents_case_and_punctuation():
    assert plain("Zoë O'Neil") == "zoeoneil"
    assert plain("Łukasz") == "lukasz"
    assert canonical_given("Kate") == canonical_given("Catherine") == "catherine"
    assert canonical_given("Bob") == "robert"
    assert surname_history("Smith-Jones", "Kate Brown") == ["brown", "jones", "smith"]


def test_jaro_winkler():
    assert jaro_winkler("martha", "marhta") > 0.96
    assert jaro_winkler("jack", "jake") < 0.9
    assert jaro_winkler("abc", "xyz") == 0.0


def test_twins_with_different_names_stay_apart():
    assert "twins" in must_stay_apart(rec(1, "A"), rec(2, "B", given_name="muhammad"))


def test_twins_stay_apart_even_when_a_surname_has_a_typo():
    a = rec(1, "A", given_name="jcob", family_name="taylr", surnames=["taylr"])
    assert must_stay_apart(a, rec(2, "B", given_name="mohamed"))


def test_a_parent_and_child_with_one_name_stay_apart():
    reason = must_stay_apart(rec(1, "A", birth_year=1985), rec(2, "B", birth_year=2012))
    assert "years apart" in reason


def test_a_nickname_or_a_typo_is_not_a_different_name():
    assert (
        must_stay_apart(rec(1, "A", given_name="kate"), rec(2, "B", given_name="catherine")) is None
    )
    assert (
        must_stay_apart(rec(1, "A", given_name="jessica"), rec(2, "B", given_name="jesica")) is None
    )


def test_a_familiar_form_of_two_names_is_either_of_them():
    # "Chris" is Christina's and Christopher's; "Charlie" Charles's and Charlotte's.
    for short, full in (("chris", "christopher"), ("chris", "christina"), ("charlie", "charlotte")):
        assert must_stay_apart(rec(1, "A", given_name=short), rec(2, "B", given_name=full)) is None
    # Twins Christopher and Christina are still two people.
    a, b = rec(1, "A", given_name="christopher"), rec(2, "B", given_name="christina")
    assert "twins" in must_stay_apart(a, b)


def test_different_valid_nhs_numbers_stay_apart():
    reason = must_stay_apart(
        rec(1, "A", nhs_number="9434765919"), rec(2, "B", nhs_number="4010232137")
    )
    assert reason == "different NHS numbers"


def test_two_records_of_one_source_are_for_the_duplicates_bar_to_decide():
    reason = one_source(rec(1, "A"), rec(2, "A"))
    assert "one source (A)" in reason
    assert not is_decisive(reason)  # below the bar, a steward decides
    assert one_source(rec(1, "A"), rec(2, "B")) is None


def adult_without_birth_date(uid, source, category="probation"):
    return rec(
        uid,
        source,
        birth_year=None,
        birth_month=None,
        birth_day=None,
        category=category,
    )


def test_an_adults_record_without_a_date_of_birth_never_joins_a_child_of_one_name():
    # A father's probation record (no date of birth) and his 4-year-old son's school
    # record: one name, one street. The rule does not need the father's date of birth.
    son = rec(2, "SCHOOLS", birth_year=2022, category="education")
    father = adult_without_birth_date(1, "PROBATION")
    reason = must_stay_apart(father, son, frozenset({"probation"}))
    assert "a service for adults (probation)" in reason
    assert is_decisive(reason)
    # From any source, a record without a date of birth joins a child only on a shared
    # NHS number, and a steward decides.
    unknown = adult_without_birth_date(3, "POLICE", category="police")
    assert "without a date of birth" in must_stay_apart(unknown, son)
    assert not is_decisive(must_stay_apart(unknown, son))
    number = "9434765919"
    assert must_stay_apart({**unknown, "nhs_number": number}, {**son, "nhs_number": number}) is None


def test_a_typo_is_not_a_sibling():
    adult = {"birth_year": 1985, "birth_month": 3, "birth_day": 2}
    # A birth year one digit off, month and day the same: one date mistyped.
    a, b = rec(1, "A", **adult), rec(2, "B", **{**adult, "birth_year": 1995})
    assert must_stay_apart(a, b) is None
    # A given name one keystroke away is a typo, not a brother.
    assert must_stay_apart(rec(1, "A", given_name="jon"), rec(2, "B", given_name="jan")) is None
    # Twins, one birth date, clearly different names, stay apart.
    assert "twins" in must_stay_apart(rec(1, "A"), rec(2, "B", given_name="oliver"))
    # A parent and child of one name, years apart and not by one digit, stay apart.
    child = rec(2, "B", birth_year=2015, birth_month=7, birth_day=12)
    assert "born years apart" in must_stay_apart(rec(1, "A", **adult), child)


def test_adults_differing_only_in_one_field_need_the_other_records_to_say_twins():
    def adult(uid, source, given):
        return rec(uid, source, given_name=given, birth_year=1950, category="police")

    a, b = adult(1, "A", "elizabeth"), adult(2, "B", "benjamin")
    # No source holds both names: one name recorded wrong, for the model to weigh.
    assert must_stay_apart(a, b, context=FamilyContext([a, b])) is None
    # One source holding both is: a source rarely records one person under two names.
    same_source = adult(4, "A", "benjamin")
    assert "twins" in must_stay_apart(a, same_source, context=FamilyContext([a, same_source]))
    # So are two sexes recorded.
    assert "twins" in must_stay_apart(
        {**a, "sex": "female"}, {**b, "sex": "male"}, context=FamilyContext([a, b])
    )
    # A source holding both names says twins.
    other = adult(3, "B", "elizabeth")
    assert "twins" in must_stay_apart(a, b, context=FamilyContext([a, b, other]))
    # Without the other records to look at, twins are assumed.
    assert "twins" in must_stay_apart(a, b)


def test_one_nhs_number_is_one_person_whatever_the_names():
    a = rec(1, "A", given_name="james", nhs_number="9434765919")
    b = rec(2, "B", given_name="jqmes", nhs_number="9434765919")
    assert must_stay_apart(a, b) is None


def test_deterministic_pairs_need_compatible_dates_of_birth():
    a = rec(1, "A", nhs_number="9434765919")
    b = rec(2, "B", nhs_number="9434765919", birth_month=16, birth_day=1)  # swapped
    c = rec(3, "C", nhs_number="9434765919", birth_year=1990)
    d = rec(4, "D", nhs_number="9434765919", birth_month=None, birth_day=None)
    assert dates_compatible(a, b) and dates_compatible(a, d) and not dates_compatible(a, c)
    assert sorted(deterministic_pairs([a, b, c, d])) == [(1, 2), (1, 4), (2, 4)]


def test_clustering_refuses_a_chain_that_would_join_different_nhs_numbers():
    records = {
        1: rec(1, "A", nhs_number="9434765919"),
        2: rec(2, "B"),
        3: rec(3, "C", nhs_number="4010232137"),
    }
    result = cluster(
        records,
        [(1, 2, 0.999, "model"), (2, 3, 0.998, "model")],
        upper=0.99,
        keep_apart=lambda a, b: must_stay_apart(records[a], records[b]),
    )
    of = result.cluster_of()
    assert of[1] == of[2] != of[3]
    assert result.refused == [(2, 3, 0.998, "different NHS numbers")]


def test_a_stewards_same_person_overrides_the_rules():
    records = {1: rec(1, "A"), 2: rec(2, "A")}
    result = cluster(
        records,
        [],
        upper=0.99,
        keep_apart=lambda a, b: must_stay_apart(records[a], records[b]),
        same_person=[(1, 2)],
    )
    assert result.cluster_of()[1] == result.cluster_of()[2]
    assert result.basis[1] == "steward"


def test_identifiers_survive_and_merges_and_splits_are_recorded():
    records = [1, 2, 3, 4, 5]
    before = {1: "PA", 2: "PA", 3: "PB", 4: "PC", 5: "PC"}
    # 3 joins 1 and 2 (a merge of PB into PA); 5 leaves 4 (a split of PC).
    result = cluster(
        records,
        [(1, 2, 1.0, "model"), (2, 3, 1.0, "model")],
        upper=0.9,
        keep_apart=lambda a, b: None,
    )
    counter = iter(["PNEW1", "PNEW2"])
    assignment = assign_persons(result, before, lambda: next(counter))
    assert assignment.person_of == {1: "PA", 2: "PA", 3: "PA", 4: "PC", 5: "PNEW1"}
    assert assignment.merges == [("PA", ["PB"], [1, 2, 3])]
    assert assignment.splits == [("PC", ["PNEW1"], [5])]
    assert assignment.retired == ["PB"]
    assert assignment.created == ["PNEW1"]


def test_unchanged_clusters_keep_every_identifier():
    before = {1: "PA", 2: "PA", 3: "PB"}
    result = cluster([1, 2, 3], [(1, 2, 1.0, "model")], upper=0.9, keep_apart=lambda a, b: None)
    assignment = assign_persons(result, before, lambda: "PNEW")
    assert assignment.person_of == before
    assert (assignment.created, assignment.merges, assignment.splits) == ([], [], [])


def test_records_of_different_authorities_stay_apart():
    a = rec(1, "A", authority=1, nhs_number="9434765919")
    b = rec(2, "B", authority=2, nhs_number="9434765919")
    assert must_stay_apart(a, b) == "records of different authorities"
    assert deterministic_pairs([a, b]) == []


def test_a_parent_and_adult_child_of_one_name_at_one_address_stay_apart():
    father = rec(1, "A", birth_year=1961, birth_month=3, birth_day=2, category="police")
    son = rec(2, "B", birth_year=1990, birth_month=9, birth_day=14, category="police")
    # A generation apart at one address, whatever the other records say.
    assert "a parent and child" in must_stay_apart(father, son, context=FamilyContext())
    # Elsewhere, and only some years apart, one date may have been recorded wrong.
    elsewhere = {**son, "postcode": "M11AA", "uprn": None, "birth_year": 1970}
    assert must_stay_apart(father, elsewhere, context=FamilyContext()) is None


def test_without_a_date_of_birth_another_surname_is_for_a_steward():
    adult = rec(1, "A", birth_year=1989, category="police")
    unknown = rec(
        2,
        "B",
        family_name="hibbert",
        surnames=["hibbert"],
        birth_year=None,
        birth_month=None,
        birth_day=None,
        category="housing",
    )
    reason = must_stay_apart(adult, unknown)
    assert "another surname" in reason and not is_decisive(reason)
    # With both dates of birth, another surname is for the model to weigh.
    dated = {**unknown, "birth_year": 1989, "birth_month": 1, "birth_day": 16}
    assert must_stay_apart(adult, dated) is None


def test_one_source_holding_a_name_and_its_familiar_form_on_one_birthday_is_for_a_steward():
    # A school with Henry and Harry Tattersall born the same day: twins, or one child
    # recorded twice under a familiar name. Never linked by the model alone.
    henry = rec(1, "SCHOOLS", given_name="henry", family_name="tattersall")
    harry = rec(2, "SCHOOLS", given_name="harry", family_name="tattersall")
    why = must_stay_apart(henry, harry)
    assert why and not is_decisive(why)
    # In two sources, Harry is Henry's familiar form: the model weighs it.
    assert must_stay_apart(henry, {**harry, "source": "GP"}) is None
    # One keystroke apart in one source is a typo, not another child.
    assert must_stay_apart(henry, {**harry, "given_name": "hnery"}) is None


def test_one_source_holding_a_record_without_a_date_of_birth_and_one_with_is_for_a_steward():
    # Early help holds Elizabeth Parker, born 1970, and Elsie Parker with no date of birth
    # at her address: her daughter, in the truth. Never linked by the model alone.
    mother = rec(1, "EH", given_name="elizabeth", family_name="parker", birth_year=1970)
    daughter = {**mother, "unique_id": 2, "given_name": "elsie", "given_canonical": "elizabeth"}
    daughter.update(birth_year=None, birth_month=None, birth_day=None)
    why = must_stay_apart(mother, daughter)
    assert why and not is_decisive(why)
    # Across two sources, the model weighs it; so it does a copy of the same name.
    assert must_stay_apart(mother, {**daughter, "source": "HOUSING"}) is None
    assert must_stay_apart(mother, {**daughter, "given_name": "elizabeth"}) is None
    # A middle name on one record only is written otherwise (Grace, Grace Elizabeth); so
    # are names a letter apart: Eva, born 1985, and her daughter Ava, undated, in one
    # housing system (a typo and another name cannot be told apart by the letters).
    grace = {**mother, "given_name": "grace", "given_canonical": "grace"}
    grace_elizabeth = {**daughter, "given_name": "grace", "middle_name": "elizabeth"}
    assert must_stay_apart(grace, grace_elizabeth).startswith(DATE_ON_ONE_ONLY)
    eva = {**mother, "given_name": "eva", "given_canonical": "eva"}
    ava = {**daughter, "given_name": "ava", "given_canonical": "ava"}
    assert must_stay_apart(eva, ava).startswith(DATE_ON_ONE_ONLY)


def test_a_person_called_by_their_middle_name_is_not_a_sibling():
    # Muhammad Imran Khan is called Imran: one source writes "Muhammad", middle "Imran",
    # another "Imran". At one address, with one date of birth missing, they looked like
    # two brothers and were kept apart for good.
    a = rec(1, "A", given_name="muhammad", middle_name="imran", birth_year=None)
    b = rec(2, "B", given_name="imran", middle_name=None, birth_year=1990)
    assert must_stay_apart(a, b) is None
    # A father and son, the son with his father's name as his middle name, born a
    # generation apart: still two people by their dates.
    c = rec(3, "B", given_name="imran", birth_year=2012)
    assert must_stay_apart(a | {"birth_year": 1990}, c)


def test_a_record_without_a_date_of_birth_where_a_father_and_son_of_one_name_live():
    # James Okafor, 38, and his son James, 6, at one postcode; a housing record of "James
    # Okafor" there without a date of birth could be either: a steward decides, it is not
    # joined to the father (nor to the son) by the model.
    father = rec(
        1, "GP", given_name="james", family_name="okafor", surnames=["okafor"], birth_year=1988
    )
    son = rec(
        2, "SCHOOL", given_name="james", family_name="okafor", surnames=["okafor"], birth_year=2020
    )
    undated = rec(
        3,
        "HOUSING",
        given_name="james",
        family_name="okafor",
        surnames=["okafor"],
        birth_year=None,
        birth_month=None,
        birth_day=None,
    )
    family = FamilyContext([father, son, undated])
    why = must_stay_apart(father, undated, context=family)
    assert why and "father and son" not in why and not is_decisive(why)
    assert must_stay_apart(son, undated, context=family)
    # Where only the father is known, his undated record is his.
    assert must_stay_apart(father, undated, context=FamilyContext([father, undated])) is None


def test_a_sisters_undated_record_is_two_people_not_a_question():
    # Reka Kovacs, 15, at school, and her sister Judit, whose housing record at the same
    # address has no date of birth: different given names at one address settle it. The
    # missing date of birth used to hide that, and the pair waited for a steward.
    reka = rec(1, "SCHOOL", given_name="reka", family_name="kovacs", birth_year=2010)
    judit = rec(
        2,
        "HOUSING",
        given_name="judit",
        family_name="kovacs",
        birth_year=None,
        birth_month=None,
        birth_day=None,
        category="housing",
    )
    why = must_stay_apart(reka, judit)
    assert "different given names at one address" in why and is_decisive(why)
    # The same child's undated record is still for a steward, not settled.
    undated_reka = {**judit, "given_name": "reka", "given_canonical": "reka"}
    why = must_stay_apart(reka, undated_reka)
    assert why and not is_decisive(why)


def test_a_boy_and_a_girl_a_letter_apart_in_name_are_never_linked_by_the_model():
    # Alexandru and Alexandra Stoica, born the same day at one address, recorded as a
    # boy and a girl: twins. One letter apart used to read as a typo, and they were merged.
    boy = rec(1, "SCHOOL", given_name="alexandru", family_name="stoica", sex="male")
    girl = rec(2, "HOUSING", given_name="alexandra", family_name="stoica", sex="female")
    why = must_stay_apart(boy, girl)
    assert why and "twins" in why
    # Without a sex on one side, a letter apart is still a typo of one name.
    assert must_stay_apart(boy, {**girl, "sex": None}) is None


def test_a_boy_and_a_girl_a_letter_apart_are_twins_for_certain_only_where_a_source_says_so():
    # Daniel and Daniela: twins, or one person whose sex one source recorded wrong (or
    # who has changed name and gender since). Only a steward can say, unless one source
    # holds both names on that birthday: then they are twins.
    boy = rec(1, "SCHOOL", given_name="daniel", family_name="stoica", sex="male")
    girl = rec(2, "HOUSING", given_name="daniela", family_name="stoica", sex="female")
    why = must_stay_apart(boy, girl, context=FamilyContext([boy, girl]))
    assert why and not is_decisive(why)
    school_twin = {**girl, "unique_id": 3, "source": "SCHOOL"}
    known = FamilyContext([boy, girl, school_twin])
    why = must_stay_apart(boy, girl, context=known)
    assert "twins" in why and is_decisive(why)
    # The same name with two sexes recorded is one person with a slip in one record.
    assert must_stay_apart(boy, {**girl, "given_name": "daniel"}) is None


def _one_source_unless_cleared(records, cleared):
    def keep_apart(a, b):
        why = must_stay_apart(records[a], records[b])
        if why or frozenset((a, b)) in cleared:
            return why
        return one_source(records[a], records[b])

    return keep_apart


def test_two_copies_of_one_record_each_near_certainly_a_third_are_one_person():
    # A school holds Jacob twice, once with a typo in his surname; each copy is
    # near-certainly the first school record (above the duplicates bar, 0.999), but the
    # two copies compared with each other fall below it. The chain vouches for them.
    records = {
        1: rec(1, "SCHOOL"),
        2: rec(2, "SCHOOL", given_name="jacbo"),
        3: rec(3, "SCHOOL", family_name="tylor", surnames=["tylor"]),
    }
    edges = [(1, 2, 0.9995, "model"), (1, 3, 0.9993, "model"), (2, 3, 0.995, "model")]
    cleared = {frozenset((1, 2)), frozenset((1, 3))}
    result = cluster(
        records,
        edges,
        upper=0.99,
        keep_apart=_one_source_unless_cleared(records, cleared),
        near_certain=0.999,
        answered_by_near_certain=lambda reason: reason.startswith("two different records"),
    )
    of = result.cluster_of()
    assert of[1] == of[2] == of[3]
    assert result.refused == []


def test_a_chain_below_the_duplicates_bar_does_not_vouch_for_one_sources_records():
    records = {1: rec(1, "SCHOOL"), 2: rec(2, "GP"), 3: rec(3, "SCHOOL")}
    # Each school record is the GP's record above the upper bar but below the
    # duplicates bar: the second school record is a possible duplicate, for a steward.
    edges = [(1, 2, 0.998, "model"), (2, 3, 0.997, "model")]
    result = cluster(
        records,
        edges,
        upper=0.99,
        keep_apart=_one_source_unless_cleared(records, set()),
        near_certain=0.999,
        answered_by_near_certain=lambda reason: reason.startswith("two different records"),
    )
    of = result.cluster_of()
    assert of[1] == of[2] != of[3]
    assert [r[:2] for r in result.refused] == [(2, 3)]


def test_a_chain_of_near_certain_links_does_not_answer_a_family_rule():
    # Twins in one school: each near-certainly a record elsewhere that is really the
    # other... the rule that keeps twins apart still holds.
    records = {
        1: rec(1, "SCHOOL", given_name="amelia"),
        2: rec(2, "GP", given_name="amelia"),
        3: rec(3, "SCHOOL", given_name="olivia"),
    }
    edges = [(1, 2, 0.9999, "model"), (2, 3, 0.9995, "model")]
    result = cluster(
        records,
        edges,
        upper=0.99,
        keep_apart=_one_source_unless_cleared(records, {frozenset((1, 3))}),
        near_certain=0.999,
        answered_by_near_certain=lambda reason: reason.startswith("two different records"),
    )
    of = result.cluster_of()
    assert of[1] == of[2] != of[3]
    assert result.refused[0][3].startswith("different given names")


def test_an_undated_record_of_a_pupil_is_a_childs_record_not_a_parents():
    # The school holds Jacob with no date of birth, on the roll in 2025; his GP record
    # says born 2021. A parent's record is what the rule "no date of birth and a child's
    # record" guards against; a pupil's is not one.
    pupil = rec(1, "SCHOOL", birth_year=None, birth_month=None, birth_day=None)
    child = rec(2, "GP")
    why = must_stay_apart(pupil, child)
    assert why and why.startswith(NO_DATE_OF_BIRTH)
    assert must_stay_apart({**pupil, "child_service_year": 2025}, child) is None
    assert must_stay_apart(child, {**pupil, "child_service_year": 2025}) is None


def test_a_record_of_a_service_for_children_before_a_child_was_born_is_not_that_child():
    # Jacob Taylor the father, at school until 1998, undated in the school's old system;
    # his son Jacob, born 2021: two people, whatever else they share.
    father_at_school = rec(1, "SCHOOL", birth_year=None, birth_month=None, birth_day=None)
    son = rec(2, "GP")
    why = must_stay_apart({**father_at_school, "child_service_year": 1998}, son)
    assert why and "before" in why and is_decisive(why)


def test_an_existing_persons_records_are_not_tied_near_certainly_by_being_one_person():
    # The index holds school record 1 and GP record 2 as one person, joined at 0.995. A
    # new school record 3 is near-certainly the GP record but only 0.9 like record 1: an
    # incremental run, which hands the person in as an "index" edge, must not make 1 and 3
    # one person through it when a full run would not.
    records = {1: rec(1, "SCHOOL"), 2: rec(2, "GP"), 3: rec(3, "SCHOOL", given_name="jacbo")}
    new = [(2, 3, 0.9995, "model"), (1, 3, 0.9, "model")]
    held = {1: "P1", 2: "P1"}

    def keep_apart(a, b):
        why = must_stay_apart(records[a], records[b])
        if why or (a, b) in {(2, 3), (3, 2)}:
            return why
        if a in held and held.get(a) == held.get(b):
            return None
        return one_source(records[a], records[b])

    for edges in ([(1, 2, 0.995, "model"), *new], [(1, 2, 1.0, "index"), *new]):
        of = cluster(
            records,
            edges,
            upper=0.99,
            keep_apart=keep_apart,
            near_certain=0.999,
            answered_by_near_certain=lambda reason: reason.startswith("two different records"),
        ).cluster_of()
        assert not of[1] == of[2] == of[3], edges


def test_a_brothers_or_sisters_undated_school_record_is_still_for_a_steward():
    # Leon, on the roll this year with no date of birth, and his brother Leo, born last
    # year; Ava at school and her sister Eva, born 2019: names a letter apart are not
    # "different names", so only the undated-record rule stands between them.
    undated = {"birth_year": None, "birth_month": None, "birth_day": None}
    leon = rec(1, "SCHOOL", given_name="leon", sex="male", child_service_year=2026, **undated)
    leo = rec(2, "GP", given_name="leo", sex="male", birth_year=2025)
    assert must_stay_apart(leon, leo).startswith(NO_DATE_OF_BIRTH)
    ava = rec(1, "SCHOOL", given_name="ava", sex="female", child_service_year=2026, **undated)
    eva = rec(2, "GP", given_name="eva", sex="female", birth_year=2019)
    assert must_stay_apart(ava, eva).startswith(NO_DATE_OF_BIRTH)
    # A child too young for school in the year the record shows a pupil is someone else.
    jacob_at_school = rec(1, "SCHOOL", child_service_year=2026, **undated)
    assert must_stay_apart(jacob_at_school, rec(2, "GP", birth_year=2025)).startswith(
        NO_DATE_OF_BIRTH
    )


def test_a_brother_and_sister_of_like_names_born_apart_at_one_address_are_siblings():
    # Daniel, born March 2015, and Daniela, February 2016, at one address.
    boy = rec(1, "SCHOOL", given_name="daniel", sex="male", birth_year=2015, birth_month=3)
    girl = rec(2, "GP", given_name="daniela", sex="female", birth_year=2016, birth_month=2)
    why = must_stay_apart(boy, girl, context=FamilyContext([boy, girl]))
    assert "siblings" in why and is_decisive(why)


def test_a_near_certain_link_of_an_undated_record_ties_nothing():
    # Chen Zhou, born 1999 (GP), and his son Chen, named for him: the housing system holds
    # both, neither with a date of birth. Each housing record is near-certainly the GP
    # record by name and address alone, which a father and his namesake share: that is no
    # chain to make the two housing records one person.
    undated = {"birth_year": None, "birth_month": None, "birth_day": None}
    records = {
        1: rec(1, "GP", given_name="chen", family_name="zhou", birth_year=1999),
        2: rec(2, "HOUSING", given_name="chen", family_name="zhou", **undated),
        3: rec(3, "HOUSING", given_name="chen", family_name="zhou", **undated),
    }
    edges = [(1, 2, 0.9997, "model"), (1, 3, 0.9994, "model"), (2, 3, 0.998, "model")]
    of = cluster(
        records,
        edges,
        upper=0.99,
        keep_apart=_one_source_unless_cleared(records, {frozenset((1, 2)), frozenset((1, 3))}),
        near_certain=0.999,
        answered_by_near_certain=lambda reason: reason.startswith("two different records"),
        ties=lambda a, b: bool(records[a]["birth_year"] and records[b]["birth_year"]),
    ).cluster_of()
    assert of[2] != of[3]
