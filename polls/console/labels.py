"""Words the console shows for the product's codes (statuses, kinds, roles), as msgids
translated where they are rendered."""

from __future__ import annotations

from polls.errors import N_
from polls.forms.kinds import KINDS
from polls.models import PlacementKind, PollStatus, Role, UnitKind

STATUS = {
    PollStatus.DRAFT.value: N_("Draft"),
    PollStatus.SCHEDULED.value: N_("Scheduled"),
    PollStatus.OPEN.value: N_("Open"),
    PollStatus.CLOSED.value: N_("Closed"),
}

QUESTION_KINDS = {name: kind.label for name, kind in KINDS.items()}

PLACEMENT_KINDS = {  # Zalo before Telegram, which Vietnam's main mobile networks block
    PlacementKind.CANTEEN.value: N_("Canteen"),
    PlacementKind.NOTICE_BOARD.value: N_("Notice board"),
    PlacementKind.ZALO.value: N_("Zalo Official Account"),
    PlacementKind.TELEGRAM.value: N_("Telegram group"),
    PlacementKind.LINK.value: N_("Plain link"),
    PlacementKind.MEETING.value: N_("Meeting (projector)"),
    PlacementKind.PAPER.value: N_("Paper tally (counted by hand)"),
}

ROLES = {
    Role.ADMIN.value: N_("Admin"),
    Role.OFFICER.value: N_("Union officer"),
    Role.VIEWER.value: N_("Leadership (read only)"),
}

UNIT_KINDS = {
    UnitKind.NATIONAL.value: N_("National union"),
    UnitKind.SUBORDINATE.value: N_("Subordinate union"),
    UnitKind.GRASSROOTS.value: N_("Grassroots union"),
    UnitKind.WORKSHOP.value: N_("Workshop, team"),
}

AUDIT_ACTIONS = {
    "officer.create": N_("Officer created"),
    "officer.role": N_("Role changed"),
    "officer.unit": N_("Unit changed"),
    "officer.name": N_("Name changed"),
    "officer.password_reset": N_("Password reset"),
    "officer.deactivate": N_("Officer deactivated"),
    "officer.reactivate": N_("Officer reactivated"),
    "unit.create": N_("Unit added"),
    "unit.rename": N_("Unit renamed"),
    "unit.move": N_("Unit moved"),
    "unit.headcount": N_("Headcount changed"),
    "unit.leaders_chat": N_("Leaders' Zalo group changed"),
}

AUDIT_DETAILS = {
    "generated": N_("generated password"),
    "chosen": N_("password chosen by the admin"),
}

BREAKDOWNS = {
    "placement": N_("By placement"),
    "unit": N_("By unit"),
    "channel": N_("By channel"),
}

DUPLICATE_POLICIES = {
    "device": N_("One answer per phone"),
    "messenger": N_(
        "One answer per Telegram or Zalo account (opened in Telegram or the Zalo Mini App only)"
    ),
    "none": N_("No limit (shared devices)"),
    "code": N_("One answer per printed code (shared phones, kiosks, meetings)"),
}

LANGUAGES = {"vi": "Tiếng Việt", "en": "English"}

GLOBALS = {
    "status_labels": STATUS,
    "kind_labels": QUESTION_KINDS,
    "placement_labels": PLACEMENT_KINDS,
    "role_labels": ROLES,
    "unit_kind_labels": UNIT_KINDS,
    "audit_labels": AUDIT_ACTIONS,
    "audit_details": AUDIT_DETAILS,
    "breakdown_labels": BREAKDOWNS,
    "duplicate_labels": DUPLICATE_POLICIES,
    "language_labels": LANGUAGES,
}
"""Passed to every console template."""
