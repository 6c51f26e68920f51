"""The canonical columns of each record kind, in the order extracts write them.

Plain data with no imports, so that the synthetic authority and tests can use it
without Django. docs/extract-format.md describes each column; records.py checks them.
"""

PEOPLE_COLUMNS = (
    "source_id",
    "given_name",
    "middle_names",
    "family_name",
    "previous_names",
    "date_of_birth",
    "sex",
    "nhs_number",
    "upn",
    "address_line1",
    "address_line2",
    "town",
    "postcode",
    "uprn",
    "address_from",
    "date_of_death",
    "restricted",
)
INVOLVEMENT_COLUMNS = (
    "involvement_id",
    "person_source_id",
    "service_category",
    "status",
    "team",
    "organisation",
    "start_date",
    "end_date",
    "last_contact_date",
    "lead_name",
    "lead_role",
    "lead_phone",
    "lead_email",
    "duty_phone",
    "details",
)
RELATIONSHIP_COLUMNS = (
    "person_source_id",
    "related_source_id",
    "relationship_type",
    "start_date",
    "end_date",
)
