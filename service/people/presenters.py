"""Accounts as the administrator's console shows them."""
from service.models.types import utcnow
from service.people.roster import ROLE_NAMES, post_order


def account_item(user, places):
    membership = user.memberships[0] if user.memberships else None
    return {
        "id": user.id, "username": user.username, "name": user.name, "phone": user.phone,
        "roles": [role for role in ROLE_NAMES if role in user.role_names],
        "posts": [{"level": post.level, "area": _area(post, places)}
                  for post in sorted(user.assignments, key=post_order)],
        "committee": membership and {"id": membership.committee_id,
                                     "name": places.names["committee", membership.committee_id]},
        "committee_head": bool(membership and membership.is_head),
        "active": user.active, "created_at": user.created_at,
    }


def _area(post, places):
    if post.level == 1:
        return {"id": places.town.id, "code": places.town.code, "name": places.town.name}
    kind, area_id = ("grid", post.grid_id) if post.level == 4 else ("village", post.village_id)
    return {"id": area_id, "code": places.codes[kind, area_id], "name": places.names[kind, area_id]}


def roster_changes_item(changes, dry_run):
    """What a roster import did, or would do (no passwords: nothing was created)."""
    return {"dry_run": dry_run,
            "created": [{"username": username, "initial_password": None if dry_run else password}
                        for username, password in changes.created],
            "changed": [{"username": username, "changes": differences}
                        for username, differences in changes.changed],
            "unchanged": changes.unchanged, "absent": changes.absent,
            "deactivated_absent": changes.deactivated}


def api_key_item(row, key=None):
    """An access key's record; the key itself only when it was just issued."""
    item = {"id": row.jti, "name": row.device_id, "issued_at": row.issued_at,
            "expires_at": row.expires_at, "revoked_at": row.revoked_at,
            "last_used_at": row.last_used_at,
            "working": row.revoked_at is None and row.expires_at > utcnow()}
    if key is not None:
        item["api_key"] = key
    return item
