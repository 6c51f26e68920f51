"""The population shaped otherwise (identity/shapes.py): seeded, truthful, and shaped as
its documentation says."""

import csv
import filecmp
import random
from collections import Counter

import pytest

from familyview.identity.shapes import _Population, write_shapes


def _rows(path):
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def test_one_seed_writes_one_corpus_byte_for_byte(tmp_path):
    a = write_shapes(tmp_path / "a", households=60, seed=5)
    b = write_shapes(tmp_path / "b", households=60, seed=5)
    assert a.sources == b.sources and a.records == b.records > 0
    compared = filecmp.dircmp(tmp_path / "a", tmp_path / "b")
    assert not compared.diff_files and not compared.left_only and not compared.right_only
    other = write_shapes(tmp_path / "c", households=60, seed=6)
    assert (tmp_path / "c" / "truth" / "records.csv").read_bytes() != (
        tmp_path / "a" / "truth" / "records.csv"
    ).read_bytes()
    assert other.records > 0


def test_the_truth_names_every_record_sent(tmp_path):
    written = write_shapes(tmp_path, households=80, seed=3)
    truth = _rows(tmp_path / "truth" / "records.csv")
    assert len(truth) == written.records
    assert len({(r["source"], r["source_id"]) for r in truth}) == len(truth)
    people = {r["person_id"] for r in _rows(tmp_path / "truth" / "people.csv")}
    assert {r["person_id"] for r in truth} <= people


def test_only_a_son_named_for_his_father_shares_a_name_in_a_household():
    # Parents do not give two children one name. Muhammad, a first name most men of a
    # community share and are not called by, is the other exception.
    population = _Population(400, random.Random("familyview-shapes:test"))
    named_for_father = 0
    for household in population.households:
        names = Counter(p.given for p in household.members if p.given != "Muhammad")
        for given, count in names.items():
            if count > 1:
                holders = [p for p in household.members if p.given == given]
                assert all(p.sex == "male" for p in holders), (given, holders)
                named_for_father += 1
    assert named_for_father > 0  # the namesakes the rules must keep apart are there


def test_area_postcodes_keep_only_the_outward_code(tmp_path):
    write_shapes(tmp_path, postcodes="area", households=40, seed=2)
    postcodes = {
        r["postcode"] for r in _rows(tmp_path / "SCHOOL" / "people.csv") if r.get("postcode")
    }
    assert postcodes and all(" " not in p and len(p) <= 4 for p in postcodes)


def test_an_unknown_postcode_shape_or_share_is_refused(tmp_path):
    with pytest.raises(ValueError, match="unknown postcodes"):
        write_shapes(tmp_path, postcodes="house")
    with pytest.raises(ValueError, match="between 0 and 1"):
        write_shapes(tmp_path, missing=1.5)


def test_every_parent_was_at_least_seventeen_when_their_child_was_born():
    # The younger parent, not only the older: a father of 32 and a mother of 52 had
    # made children of 24 and a father of 13 years older than his son.
    population = _Population(400, random.Random("familyview-shapes:test"))
    by_id = {p.pid: p for p in population.people}
    parents = [
        (by_id[b], by_id[a]) for a, b, kind in population.relations if kind in ("mother", "father")
    ]
    assert parents
    for parent, child in parents:
        assert (child.born - parent.born).days / 365.25 >= 17, (parent, child)
