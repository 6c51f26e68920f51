"""The demo's neighbouring council (`familyview demo_neighbour`, synth/neighbour.py): from
the demo authority's ground truth it writes Manchester's records of the README child's
family with the same NHS numbers and dates of birth, and Manchester then answers a
signed question about them: the mother's probation officer, the grandfather's social
worker, the grandmother held."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from familyview.peers import protocol
from familyview.peers.registry import add_peer
from tests.peers.conftest import Key

pytestmark = pytest.mark.django_db

# As `familyview synth` writes truth/people.csv.
HEADER = (
    "person_id,given_name,family_name,date_of_birth,sex,household_id,twin_of,middle_names,"
    "previous_family_name,nhs_number,upn,uprn,postcode,restricted,date_of_death,family_cluster"
)
PEOPLE = (
    HEADER
    + """
P1,Gurmeet,Doyle,1959-10-01,female,H1,,,,9998251303,,,SK4 4DZ,false,,F1
P2,Patrick,Doyle,1959-08-11,male,H1,,,,9993297135,,,SK4 4DZ,false,,F1
P3,Deborah,Doyle,1981-11-16,female,H2,,,,9998342961,,,SK7 9WY,false,,F1
P4,Sophia,Doyle,2016-05-28,female,H1,,,,9993480452,,,SK4 4DZ,false,,F1
"""
)
RELATIONSHIPS = """person_id,related_person_id,relationship_type,start_date,end_date
P4,P3,mother,,
P4,P1,grandparent,,
P4,P2,grandparent,,
P3,P4,child,,
"""
MOTHER = {"nhs_number": "9998342961", "date_of_birth": "1981-11-16"}
GRANDMOTHER = {"nhs_number": "9998251303", "date_of_birth": "1959-10-01"}
GRANDFATHER = {"nhs_number": "9993297135", "date_of_birth": "1959-08-11"}


@pytest.fixture
def extracts(tmp_path):
    truth = tmp_path / "demo-authority" / "truth"
    truth.mkdir(parents=True)
    (truth / "people.csv").write_text(PEOPLE, encoding="utf-8")
    (truth / "relationships.csv").write_text(RELATIONSHIPS, encoding="utf-8")
    return tmp_path / "demo-authority"


def test_manchester_answers_for_the_readme_childs_family(extracts, settings, capsys):
    call_command("demo_neighbour", extracts=str(extracts))
    said = capsys.readouterr().out
    assert "Deborah Doyle: on probation in Manchester" in said
    assert "Gurmeet Doyle: shielded in Manchester" in said

    settings.FAMILYVIEW_PEER_NAME = "manchester"
    stockport = Key.new()
    add_peer(
        "stockport",
        "http://127.0.0.1:8000",
        stockport.public,
        agreement="DEMO-ISA-2026",
        authority_code="manchester",
        duty_line="0161 234 5001",
        ask=False,
    )
    payload = {
        **protocol.request_claims("stockport", "manchester"),
        "worker": {"name": "Demo Practitioner", "role": "practitioner", "council": "Stockport"},
        "purpose": "MASH triage",
        "case_reference": "MASH-1",
        "subjects": [MOTHER, GRANDMOTHER, GRANDFATHER],
    }
    token = protocol.sign(payload, stockport.okp, kid="stockport", typ=protocol.REQUEST_TYPE)
    response = Client().post(protocol.LOOKUP_PATH, token, content_type=protocol.CONTENT_TYPE)

    assert response.status_code == 200, response.content
    answer = protocol.read_message(
        protocol.jws.extract_compact(response.content).payload, protocol.LookupAnswer
    )
    mother, grandmother, grandfather = answer.answers
    (probation,) = mother.services
    assert (probation.category, probation.lead_professional.name) == ("probation", "Chris Adebayo")
    assert grandmother.held is not None and grandmother.services == []
    assert [s.lead_professional.name for s in grandfather.services] == ["Amira Said"]


def test_it_is_set_up_once(extracts, capsys):
    call_command("demo_neighbour", extracts=str(extracts))
    capsys.readouterr()

    call_command("demo_neighbour", extracts=str(extracts))

    assert capsys.readouterr().out.strip() == "Manchester City Council is set up already."


def test_a_folder_without_the_ground_truth_is_refused_in_one_sentence(tmp_path):
    with pytest.raises(CommandError) as refused:
        call_command("demo_neighbour", extracts=str(tmp_path))
    assert str(refused.value).startswith(f"{tmp_path}/truth/people.csv cannot be read")
    assert "run `familyview synth` first" in str(refused.value)


def test_a_child_not_in_the_ground_truth_is_refused(extracts):
    with pytest.raises(CommandError) as refused:
        call_command("demo_neighbour", extracts=str(extracts), child="Nobody Here")
    assert str(refused.value) == f"no people called 'Nobody Here' in {extracts}/truth/people.csv"
