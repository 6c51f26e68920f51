"""The actions the audit log records, by name.

An event's `action` is stored as the text of its value, so an event written before this
enumeration existed reads exactly as before, and a new action is one line here (and one
row in docs/audit.md). `record_event` still takes plain text for the callers not yet
moved to these names.
"""

from enum import StrEnum


class Action(StrEnum):
    """What a user did or tried to do, as the audit log names it."""

    # Signing in and out
    SIGN_IN = "sign_in"
    SIGN_IN_REFUSED = "sign_in_refused"
    SIGN_OUT = "sign_out"
    SESSION_ENDED = "session_ended"
    API_ACTING_USER_REFUSED = "api.acting_user_refused"

    # Refusals
    ACCESS_REFUSED = "access_refused"  # a page or endpoint the role does not allow
    READ_REFUSED = "read_refused"  # a person asked for and not shown (see ReadRefusal)

    # Front-line reads and what follows them
    SEARCH = "search"
    RECENT_FAMILIES = "search.recent_families"  # the families opened this session, listed
    PERSON_SUMMARY = "person.summary"
    PERSON_WHY = "person.why"
    PERSON_INVOLVEMENTS = "person.involvements"
    PERSON_SERVICES = "person.services"
    PERSON_SERVICE_DETAIL = "person.service_detail"
    PERSON_RELATED = "person.related"
    FAMILY_VIEW = "family.view"
    FAMILY_ECOMAP = "family.ecomap"
    FAMILY_ECOMAP_DOWNLOAD = "family.ecomap_download"
    FAMILY_WHO_TO_CALL = "family.who_to_call"
    PURPOSE_GIVEN = "purpose.given"
    BREAK_GLASS = "break_glass"
    PROBLEM_FORM = "problem.form"
    PROBLEM_REPORTED = "problem.reported"
    PROBLEM_REPORTS_LISTED = "problem_reports.listed"

    # Across council borders (docs/peers.md): a worker asking the neighbouring councils
    # about a family, and each neighbour's request answered or refused here
    FAMILY_NEIGHBOURS_ASKED = "family.neighbours_asked"
    PEER_LOOKUP_ANSWERED = "peer.lookup_answered"
    PEER_LOOKUP_REFUSED = "peer.lookup_refused"

    # The data steward
    STEWARD_PERSON_VIEWED = "steward.person_viewed"
    STEWARD_PAIR_VIEWED = "steward.pair_viewed"
    STEWARD_PAIR_DECIDED = "steward.pair_decided"
    STEWARD_DUPLICATES_CONFIRMED = "steward.duplicates_confirmed"
    STEWARD_MERGE = "steward.merge"
    STEWARD_SPLIT = "steward.split"
    STEWARD_DUPLICATES_VIEWED = "steward.duplicates_viewed"
    STEWARD_PROBLEM_RESOLVED = "steward.problem_resolved"
    STEWARD_QUEUE_VIEWED = "steward.queue_viewed"
    STEWARD_PROBLEM_VIEWED = "steward.problem_viewed"
    IMPORT_ROWS_VIEWED = "import.rows_viewed"

    # The privacy office and the log itself
    EXPORT = "export"
    AUDIT_SEARCH = "audit.search"
    AUDIT_PRUNED = "audit.pruned"
    SUBJECT_ACCESS_SEARCH = "subject_access.search"
    SUBJECT_ACCESS_REPORT = "subject_access.report"
    RETENTION_RUN = "retention.run"
    PRIVACY_ALERT_VIEWED = "privacy_alert.viewed"
    PRIVACY_ALERT_HANDLED = "privacy_alert.handled"

    # Administration
    ADMIN_ROLES_CHANGED = "admin.roles_changed"
    ADMIN_ACCOUNT_ENABLED = "admin.account_enabled"
    ADMIN_ACCOUNT_DISABLED = "admin.account_disabled"
    ADMIN_SECOND_FACTOR_RESET = "admin.second_factor_reset"
    ADMIN_RESET_SECOND_FACTOR = "admin.reset_second_factor"  # the command's older name
    ADMIN_SIGN_IN_UNLOCK = "admin.sign_in_unlock"
    ADMIN_SSO_TENANT = "admin.sso_tenant"
    ADMIN_STAFF_HOME_ADDRESS = "admin.staff_home_address"
    ADMIN_AUDIT_KEY_ROTATED = "admin.audit_key_rotated"
    ADMIN_DEMO_ACCOUNTS_DISABLED = "admin.demo_accounts_disabled"
    ADMIN_PEER_ADDED = "admin.peer_added"
    ADMIN_PEER_CHANGED = "admin.peer_changed"


class ReadRefusal(StrEnum):
    """Why a read of a person was refused (an event's details["why"])."""

    # Another authority's person, and one that does not exist, are the same answer:
    # the log of one council never tells whether an identifier is a person elsewhere.
    NOT_FOUND = "not found in your authority"
    NO_PURPOSE = "no purpose of access given"
