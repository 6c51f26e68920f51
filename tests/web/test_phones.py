"""Phone numbers are shown grouped as they are spoken and dialled in their international
form, however a source typed them."""

import pytest

from familyview.web.phones import PhoneNumber, phone_number


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
    [("999", "999", "tel:999"), ("ask  reception", "ask reception", "tel:")],
)
def test_a_number_that_cannot_be_read_is_shown_as_given(raw, shown, href):
    assert phone_number(raw) == PhoneNumber(shown=shown, href=href)
