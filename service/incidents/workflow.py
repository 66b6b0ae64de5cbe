"""The non-dispute incident workflow as data: (state, action) → transition.

reported → accepted → dispatched → handled → closed, plus rejected; ``verify`` closes a
handled incident or, when it did not pass, sends it back to dispatched. Three actions leave
the state as it is: ``extend`` (延期) gives an accepted petition more days to be handled
(信访工作条例: up to 30 days beyond the 60); ``reply`` (答复) answers the caller of a handled
12345 work order, which closes only once answered (广东 12345: handle → reply → close);
``visit`` (回访) records a closed incident's return visit and the satisfaction rating.
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
    channels: tuple = ()    # the only channels it applies to; empty: every channel
    applies_name: str = ""  # what those are called, for a refusal: 只有{applies_name}可以…

    def target(self, body) -> str:
        if self.to_when_not_passed and body.get("passed") is False:
            return self.to_when_not_passed
        return self.to

    def applies_to(self, incident) -> bool:
        return ((not self.categories or incident.category in self.categories)
                and (not self.channels or incident.channel in self.channels))


TRANSITIONS = {
    ("reported", "accept"): Transition("accepted", SUPERVISOR),
    ("reported", "reject"): Transition("rejected", SUPERVISOR),
    ("accepted", "dispatch"): Transition("dispatched", SUPERVISOR, requires=("assignee_id",)),
    ("accepted", "reject"): Transition("rejected", SUPERVISOR),
    ("dispatched", "dispatch"): Transition("dispatched", SUPERVISOR, requires=("assignee_id",)),
    ("dispatched", "handle"): Transition("handled", HANDLER),
    ("handled", "reply"): Transition("handled", SUPERVISOR, requires=("note",),
                                     channels=("hotline_12345",), applies_name=" 12345 工单"),
    ("handled", "verify"): Transition("closed", SUPERVISOR, requires=("passed",),
                                      to_when_not_passed="dispatched"),
    ("closed", "visit"): Transition("closed", SUPERVISOR, requires=("satisfaction",)),
    **{(state, "extend"): Transition(state, SUPERVISOR, requires=("days", "note"),
                                     categories=("petition",), applies_name="信访事项")
       for state in ("accepted", "dispatched")},
}
ACTIONS = sorted({action for _state, action in TRANSITIONS})
ACTION_NAMES = {"accept": "受理", "dispatch": "派遣", "handle": "处置", "verify": "核查",
                "reject": "不予受理", "extend": "延期", "reply": "答复", "visit": "回访"}
# Every action a case-record entry can name (actions.record refuses any other): the workflow's,
# the report itself, a photo added, a step of the dispute a dispute report is worked on, and
# 督办 of an overdue petition or 12345 work order (service.supervision).
RECORD_ACTION_NAMES = {**ACTION_NAMES, "report": "上报", "photo": "添加照片", "dispute": "纠纷进展",
                       "supervise": "督办"}
STATUS_NAMES = {"reported": "已上报", "accepted": "已受理", "dispatched": "已派遣",
                "handled": "已处置", "closed": "已结案", "rejected": "不予受理"}
SATISFIED = 4  # a rating of 4 or 5 (of 1–5) counts as satisfied (满意率)


def transition_for(status, action):
    return TRANSITIONS.get((status, action))
