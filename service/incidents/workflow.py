"""The non-dispute incident workflow as data: (state, action) → transition.

reported → accepted → dispatched → handled → closed, plus rejected; ``verify`` closes a
handled incident or, when it did not pass, sends it back to dispatched. Three actions leave
the state as it is: ``extend`` (延期) gives an accepted petition more days to be handled
(信访工作条例: up to 30 days beyond the 60); ``reply`` (答复) answers the petitioner or the
12345 caller of a handled case, which closes only once answered; ``visit`` (回访) records a
closed incident's return visit and the satisfaction rating. A closed petition may be reviewed
(复查) and then re-reviewed (复核) on the petitioner's request: ``request_review`` registers the
request (within 30 days of the answer being reviewed), ``decide_review`` the opinion, which
the town gives (信访工作条例 arts. 35–36).
"""
from dataclasses import dataclass

SUPERVISOR = "supervisor"  # centre staff, level 1–3 workers whose area holds the incident
HANDLER = "handler"        # the assignee, or a level 1–3 worker whose area holds the incident
TOWN = "town"              # centre staff, level 1 workers of the incident's town


PETITION = ("category", "petition")
# Whose caller waits for an answer (答复) before the case may close: a petitioner (信访工作条例:
# a written answer) and a 12345 caller (广东 12345: handle → reply → close).
ANSWER_AWAITED = (PETITION, ("channel", "hotline_12345"))


@dataclass(frozen=True)
class Transition:
    to: str
    who: str
    requires: tuple = ()
    to_when_not_passed: str | None = None
    cases: tuple = ()       # (field, value) pairs: it applies to incidents matching any; empty: all
    applies_name: str = ""  # what those are called, for a refusal: 只有{applies_name}可以…

    def target(self, body) -> str:
        if self.to_when_not_passed and body.get("passed") is False:
            return self.to_when_not_passed
        return self.to

    def applies_to(self, incident) -> bool:
        return not self.cases or bool(matched(incident, self.cases))


TRANSITIONS = {
    ("reported", "accept"): Transition("accepted", SUPERVISOR),
    ("reported", "reject"): Transition("rejected", SUPERVISOR),
    ("accepted", "dispatch"): Transition("dispatched", SUPERVISOR, requires=("assignee_id",)),
    ("accepted", "reject"): Transition("rejected", SUPERVISOR),
    ("dispatched", "dispatch"): Transition("dispatched", SUPERVISOR, requires=("assignee_id",)),
    ("dispatched", "handle"): Transition("handled", HANDLER),
    ("handled", "reply"): Transition("handled", SUPERVISOR, requires=("note",),
                                     cases=ANSWER_AWAITED, applies_name="信访事项和 12345 工单"),
    ("handled", "verify"): Transition("closed", SUPERVISOR, requires=("passed",),
                                      to_when_not_passed="dispatched"),
    ("closed", "visit"): Transition("closed", SUPERVISOR, requires=("satisfaction",)),
    **{(state, "extend"): Transition(state, SUPERVISOR, requires=("days", "note"),
                                     cases=(PETITION,), applies_name="信访事项")
       for state in ("accepted", "dispatched")},
    ("closed", "request_review"): Transition("closed", SUPERVISOR, requires=("note",),
                                             cases=(PETITION,), applies_name="信访事项"),
    ("closed", "decide_review"): Transition("closed", TOWN, requires=("note",),
                                            cases=(PETITION,), applies_name="信访事项"),
}
ACTIONS = sorted({action for _state, action in TRANSITIONS})
ACTION_NAMES = {"accept": "受理", "dispatch": "派遣", "handle": "处置", "verify": "核查",
                "reject": "不予受理", "extend": "延期", "reply": "答复", "visit": "回访",
                "request_review": "登记复查（复核）请求", "decide_review": "出具复查（复核）意见"}
# Every action a case-record entry can name (actions.record refuses any other): the workflow's,
# the report itself, a photo added, a step of the dispute a dispute report is worked on, 督办 of
# an overdue petition or 12345 work order (service.supervision), a deadline moved by an entered
# holiday calendar (service.holidays), and which review a review action was about (a review
# action is recorded under these, not its own name).
RECORD_ACTION_NAMES = {**ACTION_NAMES, "report": "上报", "photo": "添加照片", "dispute": "纠纷进展",
                       "supervise": "督办", "deadline_moved": "期限随节假日安排调整",
                       "review_requested": "请求复查",
                       "re_review_requested": "请求复核", "review_decided": "复查意见",
                       "re_review_decided": "复核意见"}
STATUS_NAMES = {"reported": "已上报", "accepted": "已受理", "dispatched": "已派遣",
                "handled": "已处置", "closed": "已结案", "rejected": "不予受理"}
SATISFIED = 4  # a rating of 4 or 5 (of 1–5) counts as satisfied (满意率)
# A closed petition's reviews in the order they come, each asked for (``<stage>_requested_at``)
# and decided (``<stage>_decided_at``): 复查, then 复核 of the 复查's opinion.
REVIEWS = (("review", "复查"), ("re_review", "复核"))


def matched(incident, cases):
    """The values of the (field, value) pairs of ``cases`` that ``incident`` (anything with
    those fields) has."""
    return [value for name, value in cases if getattr(incident, name) == value]


def awaits_answer(incident) -> bool:
    """A petition or a 12345 work order: closed only once its petitioner or caller is answered."""
    return bool(matched(incident, ANSWER_AWAITED))


def transition_for(status, action):
    return TRANSITIONS.get((status, action))
