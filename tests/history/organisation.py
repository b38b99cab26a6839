"""One organisation seen twice, three months apart: the later tenant lost mailboxes, teams and licences.

It also slipped on one point, so that a regression threshold has something to catch: the seats of the people
who left were not cancelled, and 30 more were bought for a project that has not started. More than 15 % of the
paid seats now sit unassigned, which the earlier tenant did not have (rule unused-paid-seats).

The simulator generates the earlier tenant from a size and a seed; the later one is the same generated
tenant (same id, same people) with objects removed, as an exit in progress would remove them. Truths are
computed from the objects, so the expected deltas come from the simulator, not from m365exit.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from m365exit.facts import FREE_SKUS

EARLIER = datetime(2026, 8, 28, 6, 0, tzinfo=UTC)
LATER = datetime(2026, 11, 28, 6, 0, tzinfo=UTC)
SIZE, SEED = "s", 11
LOST_MAILBOXES, LOST_TEAMS, EXTRA_SEATS = 40, 5, 30


def earlier_tenant() -> Any:
    from m365exit.simulator import generate_tenant

    return generate_tenant(SIZE, SEED)


def later_tenant() -> Any:
    """People who left took their mailbox, OneDrive and assigned licence; some teams were archived and
    deleted; their seats stayed paid, and 30 were bought ahead of a project."""
    tenant = earlier_tenant()
    leaving = [u for u in tenant.users if u.kind == "person" and u.mailbox_type == "User" and u.licenses
               ][:LOST_MAILBOXES]
    gone = {u.id for u in leaving}
    by_id = {s.sku_id: s for s in tenant.skus}
    for user in leaving:
        for sku_id in user.licenses:
            by_id[sku_id].consumed -= 1  # unassigned, but still paid: nobody cancelled the seat
    main = max((s for s in tenant.skus if s.part_number not in FREE_SKUS), key=lambda s: s.prepaid_enabled)
    main.prepaid_enabled += EXTRA_SEATS
    tenant.users = [u for u in tenant.users if u.id not in gone]
    archived = {t.id for t in tenant.teams[-LOST_TEAMS:]}
    tenant.teams = tenant.teams[:-LOST_TEAMS]
    for group in tenant.groups:
        if group.id in archived:
            group.is_team = False
    tenant.managed_devices = [d for d in tenant.managed_devices if d.user_id not in gone]
    tenant._index.clear()
    return tenant
