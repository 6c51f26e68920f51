"""Phone numbers are shown grouped as they are spoken and dialled in their international
form, however a source typed them."""

import phonenumbers
import pytest

from familyview.web.phones import PhoneNumber, phone_number, phone_text


@pytest.mark.parametrize(
    ("raw", "shown", "href"),
    [
        # The police extract sends numbers without spaces.
        ("01614960239", "0161 496 0239", "tel:+441614960239"),
        ("0161 496 0681", "0161 496 0681", "tel:+441614960681"),
        ("(0161) 496-0100", "0161 496 0100", "tel:+441614960100"),
        ("+44 161 496 0100", "0161 496 0100", "tel:+441614960100"),
        ("07700900057", "07700 900057", "tel:+447700900057"),
        ("020 7946 0000", "020 7946 0000", "tel:+442079460000"),
        ("0161 496 0239 ext 12", "0161 496 0239, extension 12", "tel:+441614960239;ext=12"),
        ("+353 1 234 5678", "+353 1 234 5678", "tel:+35312345678"),
    ],
)
def test_numbers_are_grouped_as_spoken_and_dialled_internationally(raw, shown, href):
    assert phone_number(raw) == PhoneNumber(shown=shown, href=href)


@pytest.mark.parametrize(
    ("raw", "shown", "href"),
    [("999", "999", "tel:999"), ("ask  reception", "ask reception", "")],
)
def test_a_number_that_cannot_be_read_is_shown_as_given(raw, shown, href):
    assert phone_number(raw) == PhoneNumber(shown=shown, href=href)


def test_text_without_a_number_is_no_link():
    # A link to "tel:" dials nothing: the words are shown as given, not as a link.
    assert phone_text("ask reception") == (PhoneNumber(shown="ask reception", href=""),)


def test_a_number_the_number_plan_cannot_group_keeps_every_digit_as_typed():
    # One digit short: grouping it would drop the leading 0 ("161496023") and dial +44.
    assert phone_text("0161 496 023") == (PhoneNumber(shown="0161 496 023", href="tel:0161496023"),)
    # A local number without its area code is dialled as typed, never as +44 7946...
    assert phone_text("7946 0000") == (PhoneNumber(shown="7946 0000", href="tel:79460000"),)


@pytest.mark.parametrize(
    ("raw", "pieces"),
    [
        (
            "0161 496 0239 / 0161 496 0240",
            [
                ("0161 496 0239", "tel:+441614960239"),
                (" / ", ""),
                ("0161 496 0240", "tel:+441614960240"),
            ],
        ),
        (
            "Mob 07700900123 Office 0161 496 0000",
            [
                ("Mob ", ""),
                ("07700 900123", "tel:+447700900123"),
                (" Office ", ""),
                ("0161 496 0000", "tel:+441614960000"),
            ],
        ),
        ("07700 900123 (mob)", [("07700 900123", "tel:+447700900123"), (" (mob)", "")]),
    ],
)
def test_each_number_in_a_field_is_a_link_of_its_own(raw, pieces):
    # Sources put two numbers, or a word, in one field: one link dialling every digit
    # ("tel:0161496023901614960240") would call no one.
    assert phone_text(raw) == tuple(PhoneNumber(shown, href) for shown, href in pieces)


@pytest.mark.parametrize(
    "raw", ["01614960239", "(0161) 496-0100", "+44 161 496 0100", "0161 496 0239 ext 12", "999"]
)
def test_one_number_is_one_piece_as_phone_number_gives_it(raw):
    assert phone_text(raw) == (phone_number(raw),)


def test_a_number_shown_again_is_not_parsed_again(monkeypatch):
    """The family view shows the same duty lines and lead professionals' numbers on every
    view: each text is read with libphonenumber once per process."""
    parsed = []
    parse = phonenumbers.parse
    monkeypatch.setattr(phonenumbers, "parse", lambda *a, **k: parsed.append(a) or parse(*a, **k))
    raw = "0161 496 0771 (duty line, seen twice)"
    first = phone_text(raw)
    count = len(parsed)
    assert count > 0
    assert phone_text(raw) == first
    assert len(parsed) == count
