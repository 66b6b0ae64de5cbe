"""The non-dispute incident workflow as data: (state, action) → transition.

reported → accepted → dispatched → handled → closed, plus rejected; ``verify`` closes a
handled incident or, when it did not pass, sends it back to dispatched. ``extend`` (延期) leaves
the state as it is and gives an accepted petition more days to be handled (信访工作条例: up to
30 days beyond the 60).
"""
from dataclasses import dataclass

SUPERVISOR = "supervisor"  # centre staff, level 1–3 workers whose area holds the incident
HANDLER = "handler"        # the assignee, or a level 1–3 worker whose area holds the incident


@dataclass(frozen=True)
class Transition:
    to: str
    who: str
    requires: tuple = ()
    to_when_not_passed: str | None = None
    categories: tuple = ()  # the only categories it applies to; empty: every category

    def target(self, body) -> str:
        if self.to_when_not_passed and body.get("passed") is False:
            return self.to_when_not_passed
        return self.to


TRANSITIONS = {
    ("reported", "accept"): Transition("accepted", SUPERVISOR),
    ("reported", "reject"): Transition("rejected", SUPERVISOR),
    ("accepted", "dispatch"): Transition("dispatched", SUPERVISOR, requires=("assignee_id",)),
    ("accepted", "reject"): Transition("rejected", SUPERVISOR),
    ("dispatched", "dispatch"): Transition("dispatched", SUPERVISOR, requires=("assignee_id",)),
    ("dispatched", "handle"): Transition("handled", HANDLER),
    ("handled", "verify"): Transition("closed", SUPERVISOR, requires=("passed",),
                                      to_when_not_passed="dispatched"),
    **{(state, "extend"): Transition(state, SUPERVISOR, requires=("days", "note"),
                                     categories=("petition",))
       for state in ("accepted", "dispatched")},
}
ACTIONS = sorted({action for _state, action in TRANSITIONS})
ACTION_NAMES = {"accept": "受理", "dispatch": "派遣", "handle": "处置", "verify": "核查",
                "reject": "不予受理", "extend": "延期"}
# Every action a case-record entry can name (actions.record refuses any other): the workflow's,
# the report itself, a photo added, a step of the dispute a dispute report is worked on, and
# 督办 of an overdue petition or 12345 work order (service.supervision).
RECORD_ACTION_NAMES = {**ACTION_NAMES, "report": "上报", "photo": "添加照片", "dispute": "纠纷进展",
                       "supervise": "督办"}
STATUS_NAMES = {"reported": "已上报", "accepted": "已受理", "dispatched": "已派遣",
                "handled": "已处置", "closed": "已结案", "rejected": "不予受理"}


def transition_for(status, action):
    return TRANSITIONS.get((status, action))
