"""The dispute workflow as data: (state, action) → transition, who may act, what the body must hold.

received → accepted → mediating → (agreed | failed) → closed, and declined. An escalated dispute
returns to received at the town committee; closing a failed mediation refers the parties to
their other channels (litigation, arbitration, petition): status ``referred``.
"""
from dataclasses import dataclass

# Who may act, as kinds of actor relative to the dispute:
HEAD = "committee_head"      # head of the dispute's committee
CENTER = "center_staff"      # 综治中心
SUPERVISOR = "supervisor"    # level 1–3 grid worker whose area holds the dispute
ASSIGNED = "assigned"        # a mediator assigned to the dispute
MEMBER = "member"            # any mediator of the dispute's committee


@dataclass(frozen=True)
class Transition:
    to: str | None          # None: the status stays as it is
    who: tuple
    requires: tuple = ()


TRANSITIONS = {
    ("received", "accept"): Transition("accepted", (HEAD, CENTER)),
    ("received", "decline"): Transition("declined", (HEAD, CENTER), ("reason",)),
    ("accepted", "decline"): Transition("declined", (HEAD, CENTER), ("reason",)),
    ("accepted", "assign"): Transition("mediating", (HEAD, CENTER, SUPERVISOR), ("mediator_ids",)),
    ("mediating", "assign"): Transition("mediating", (HEAD, CENTER, SUPERVISOR), ("mediator_ids",)),
    ("mediating", "session"): Transition(None, (ASSIGNED,), ("held_at", "summary")),
    ("mediating", "resolve"): Transition(None, (ASSIGNED,), ("outcome",)),
    ("failed", "close"): Transition("referred", (HEAD, CENTER)),
    ("agreed", "close"): Transition("closed", (HEAD, CENTER)),
    ("agreed", "follow_up"): Transition(None, (MEMBER,), ("visited_at", "performed", "satisfaction")),
    ("closed", "follow_up"): Transition(None, (MEMBER,), ("visited_at", "performed", "satisfaction")),
}
# Escalation to the town committee: from any open state of a village-level dispute.
for _state in ("received", "accepted", "mediating", "failed"):
    TRANSITIONS[(_state, "escalate")] = Transition("received", (ASSIGNED, HEAD, SUPERVISOR), ("reason",))

ACTION_NAMES = {"accept": "受理", "decline": "不予受理", "assign": "指派调解员", "session": "记录调解",
                "resolve": "办结调解", "escalate": "上报镇调委会", "close": "结案", "follow_up": "回访"}
# Every action a case-record entry can name (record.append refuses any other): the workflow's,
# registration, 督办, a page filed in the case file and a deadline moved by an entered holiday
# calendar (service.holidays).
RECORD_ACTION_NAMES = {**ACTION_NAMES, "register": "登记", "supervise": "督办",
                       "document": "归入卷宗材料", "deadline_moved": "期限随节假日安排调整"}
STATUS_NAMES = {"received": "已登记", "accepted": "已受理", "mediating": "调解中", "agreed": "调解成功",
                "failed": "调解不成", "closed": "已结案", "referred": "已告知其他途径",
                "declined": "不予受理"}


def transition_for(status, action):
    return TRANSITIONS.get((status, action))
