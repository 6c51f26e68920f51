"""What a data steward reads of an import: its quarantined rows and the values it held
back, shown exactly as the source sent them (names, dates of birth, NHS numbers). Each
page of them is one audited read; an import of another authority is one refusal, answered
as if it did not exist. The page only turns the outcome into a response."""

from familyview.access.policy import Permission, Staff, authorities_with, membership_for
from familyview.access.refusals import ReadRefusal, refuse_read
from familyview.audit.actions import Action
from familyview.audit.events import record_event
from familyview.sources import queries
from familyview.sources.models import ExtractImport


def read_import_detail(
    staff: Staff | None,
    import_id: int,
    page_number: str | None,
    held_back_page_number: str | None,
    where: str = "",
) -> queries.ImportWithQuarantine | None:
    """An import with a page of its quarantined rows and of its values held back,
    recorded as one read (the rows belong to no person of the index yet: the event names
    the import and how many rows and values it showed). None, refused, for an import
    outside the steward's authorities."""
    try:
        detail = queries.import_with_quarantine(
            import_id,
            authorities_with(staff, Permission.MANAGE_IMPORTS),
            page_number,
            held_back_page_number=held_back_page_number,
        )
    except ExtractImport.DoesNotExist:
        refuse_read(
            staff,
            "",
            ReadRefusal.NOT_FOUND,
            permission=Permission.MANAGE_IMPORTS,
            where=where,
            details={"import_asked_for": import_id},
        )
        return None
    authority_id = detail.extract_import.source.authority_id
    membership = membership_for(staff, Permission.MANAGE_IMPORTS, authority_id)
    record_event(
        staff,
        Action.IMPORT_ROWS_VIEWED,
        details={
            "import": detail.extract_import.pk,
            "rows_shown": len(detail.quarantined_rows.object_list),
            "values_shown": len(detail.values_held_back.object_list),
        },
        authority_id=authority_id,
        role=membership.role if membership else "",
    )
    return detail
