"""The Family Context reference API's service types: the built-in file, a council's own
file over it, and a wrong file refused in one sentence."""

import pytest

from familyview.api.services import ENVIRONMENT_VARIABLE, service_type, service_types
from familyview.settings_files import SettingsFileError

pytestmark = pytest.mark.django_db


@pytest.fixture
def council(tmp_path, settings):
    """The council's service types file, named by FAMILYVIEW_FAMILY_CONTEXT_SERVICES."""
    path = tmp_path / "services.toml"
    setattr(settings, ENVIRONMENT_VARIABLE, str(path))
    return path


def test_the_built_in_types_then_one_per_other_category():
    types = {s.type: s for s in service_types()}
    assert types["school"].categories == ("education",)
    assert types["school"].fields == {
        "schoolName": "school_name",
        "admissionType": "admission_type",
    }
    assert types["camhs"].shape == "Involvement"  # a category no type names


def test_a_councils_file_lists_its_service_types(council):
    council.write_text(
        '[[service]]\ntype = "school"\ntitle = "School"\ncategories = ["education", "send"]\n'
        'shape = "School"\n'
    )
    assert service_type("school").categories == ("education", "send")
    assert service_type("police").shape == "Involvement"  # no longer configured
    assert service_type("send") is None  # shown under school


@pytest.mark.parametrize(
    ("changed", "said"),
    [
        ({"shape": '"Court"'}, """service 1 (school).shape is "Court"; it should be 'Police', """),
        ({"categories": '"education"'}, 'service 1 (school).categories is "education"; it '),
        ({"colour": "1"}, "service 1 (school).colour is not a setting; the settings here are "),
    ],
)
def test_a_wrong_service_types_file_is_refused_in_one_sentence(council, changed, said):
    entry = {"type": '"school"', "title": '"School"', "categories": '["education"]'}
    entry |= {"shape": '"School"', **changed}
    council.write_text("[[service]]\n" + "".join(f"{k} = {v}\n" for k, v in entry.items()))
    with pytest.raises(SettingsFileError) as refused:
        service_types()
    assert str(refused.value).startswith(f"{council}: {said}")
