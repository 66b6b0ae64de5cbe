"""GET /committees and /committees/{id}."""
from flask_jwt_extended import current_user
from flask_smorest import Blueprint

from service.auth.current import caller_scope, login_required
from service.committees import queries
from service.committees.schemas import CommitteeDetailSchema, CommitteePageSchema

blp = Blueprint("committees", __name__, url_prefix="/api/v1", description="人民调解委员会")


def committee_item(committee, member_count):
    return {"id": committee.id, "name": committee.name, "level": committee.level,
            "village_id": committee.village_id, "member_count": member_count}


def sees_workloads(user, scope, committee):
    """Those who may assign its disputes: its heads, level 1–3, the centre, administrators."""
    return (bool({"admin", "center_staff"} & user.role_names)
            or any(a.level <= 3 for a in user.assignments)
            or committee.id in scope.head_of_committee_ids)


@blp.route("/committees")
@login_required
@blp.response(200, CommitteePageSchema)
def committees():
    """调解委员会列表：镇调委会在前，各带在岗调解员人数"""
    rows, counts = queries.all_committees()
    return {"items": [committee_item(row, counts.get(row.id, 0)) for row in rows],
            "next_cursor": None}


@blp.route("/committees/<int:committee_id>")
@login_required
@blp.response(200, CommitteeDetailSchema)
def committee(committee_id):
    """调解委员会：在岗调解员（指派时看各人手上未结的纠纷数）与村（社区）法律顾问"""
    committee = queries.committee_of(committee_id)
    members = sorted((m for m in committee.members if m.user.active),
                     key=lambda m: (not m.is_head, m.user_id))
    loads = (queries.open_disputes_of([m.user_id for m in members])
             if sees_workloads(current_user, caller_scope(), committee) else None)
    advisor = queries.legal_advisor_of(committee)
    return {**committee_item(committee, len(members)),
            "members": [{"id": m.user_id, "name": m.user.name, "is_head": m.is_head,
                         "open_disputes": None if loads is None else loads.get(m.user_id, 0)}
                        for m in members],
            "legal_advisor": advisor and {"name": advisor.name,
                                          "organization": advisor.organization,
                                          "phone": advisor.phone}}
