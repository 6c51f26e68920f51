"""Addresses as they are compared (the keys households and shielding are worked out by)
and as they are shown (the street and postcode district only)."""

import pytest

from familyview.identity.addresses import address_key, address_keys, partial_address


@pytest.mark.parametrize(
    ("line1", "line2", "postcode", "key"),
    [
        ("12 High St.", "", "sk1 3xe", "12 high street|SK13XE"),
        ("Flat 3", "Laurel Lodge", "SK6 9LJ", "flat 3 laurel lodge|SK69LJ"),
        ("Rose Cottage", "", "SK6 9LJ", "rose cottage|SK69LJ"),
        ("Rectory Place", "", "SK6 5RF", None),
        ("12 High Street", "", "", None),
        ("", "", "SK6 5RF", None),
        ("12 High Street", "", "SK6", None),
    ],
)
def test_an_address_key_names_one_dwelling(line1, line2, postcode, key):
    assert address_key(line1, line2, postcode) == key


def test_a_records_keys_are_its_property_and_its_dwelling():
    assert address_keys(" 100012345 ", "12 High St", "", "SK1 3XE") == (
        "u:100012345",
        "a:12 high street|SK13XE",
    )
    assert address_keys("", "Mill Lane", "", "SK1 3XE") == ()
    assert address_keys("  ", "", "", "") == ()


@pytest.mark.parametrize(
    ("line1", "postcode", "expected"),
    [
        ("12 High Street", "SK1 3XE", "High Street, SK1"),
        ("Flat 1 Laurel Lodge", "SK6 9LJ", "Laurel Lodge, SK6"),
        ("Rose Cottage, Mill Lane", "M1 1AA", "Mill Lane, M1"),
        ("", "SK13XE", "SK1"),
        ("12 High Street", "", "High Street"),
        # Other countries' postcodes: the first part, or a number alone (an area); never
        # a code that may name one door (an Eircode written without its space).
        ("12 Keizersgracht", "1012 AB", "Keizersgracht, 1012"),
        ("Rua Augusta 20", "1100-148", "Rua Augusta 20, 1100"),
        ("3 Main Street", "D02 X285", "Main Street, D02"),
        ("3 Main Street", "D02X285", "Main Street"),
        ("7 Ocean Road", "4223", "Ocean Road, 4223"),
        ("7 Ocean Road", "1012AB", "Ocean Road"),
    ],
)
def test_a_partial_address_is_the_street_and_postcode_district(line1, postcode, expected):
    assert partial_address(line1, postcode) == expected
