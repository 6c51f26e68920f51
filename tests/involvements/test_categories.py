"""The service categories: the built-in file, a council's own in its place, loaded by
`familyview categories load`, and a wrong file refused in one sentence."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from familyview.involvements.categories import DEFAULT_CATEGORIES_FILE
from familyview.involvements.models import ServiceCategory

pytestmark = pytest.mark.django_db


@pytest.fixture
def council(tmp_path, settings):
    """The council's service categories file, named by FAMILYVIEW_SERVICE_CATEGORIES."""
    path = tmp_path / "categories.toml"
    settings.FAMILYVIEW_SERVICE_CATEGORIES = str(path)
    return path


def test_the_built_in_categories_load(capsys):
    call_command("categories", "load")
    assert f"16 service categories loaded from {DEFAULT_CATEGORIES_FILE}" in capsys.readouterr().out
    assert ServiceCategory.objects.get(code="camhs").sensitive
    assert not ServiceCategory.objects.get(code="police").sensitive


def test_a_councils_file_lists_its_categories_and_those_load(council, capsys):
    council.write_text(
        DEFAULT_CATEGORIES_FILE.read_text()
        + '\n[[category]]\ncode = "family_hubs"\nname = "Family hubs"\n'
    )
    call_command("categories", "load")
    assert f"17 service categories loaded from {council}" in capsys.readouterr().out
    assert ServiceCategory.objects.get(code="family_hubs").name == "Family hubs"


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ('sensitive = "yes"', 'category 1 (hubs).sensitive is "yes"; it should be true or false.'),
        ("sensitve = true", "category 1 (hubs).sensitve is not a setting; the settings here are "),
        ('[[category]]\ncode = "x"\nname = " "', 'category 2 (x).name is " "; it should not be '),
        ('[[category]]\ncode = "hubs"\nname = "Again"', "the category code 'hubs' appears twice."),
    ],
)
def test_a_wrong_categories_file_is_refused_in_one_sentence(council, text, said):
    council.write_text(f'[[category]]\ncode = "hubs"\nname = "Family hubs"\n{text}\n')
    with pytest.raises(CommandError) as refused:
        call_command("categories", "load")
    assert str(refused.value).startswith(f"{council}: {said}")
    assert refused.value.returncode == 1
    assert not ServiceCategory.objects.filter(code="hubs").exists()
