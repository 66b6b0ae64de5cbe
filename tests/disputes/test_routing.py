"""Routing: the village committee first; the town committee for what spans villages, what is
serious and what is escalated — decided by the routing_rules table, not by code."""
from sqlalchemy import select

from service.extensions import db
from service.models import Notification, RoutingRule
from tests.disputes.conftest import (HEAD_A, HEAD_B, L3_B, L4_A1, TOWN_HEAD, VILLAGE_A,
                                     VILLAGE_B, cli, committee_of, decisions, execute, get,
                                     intaken, listed_ids, reported, user_id, village_id)

REASON = {
    "serious": "重大、疑难纠纷，由镇人民调解委员会调解",
    "multi_village": "纠纷涉及多个村（社区），由镇人民调解委员会调解",
    "default": "小事不出村：由纠纷所在村（社区）人民调解委员会调解",
}


def rule_id(condition):
    the_id = db.session.scalar(select(RoutingRule.id).where(RoutingRule.condition == condition))
    db.session.remove()
    return the_id


def routed_to(dispute_id):
    """(committee id, rule condition, reason) of the dispute's only routing decision."""
    [(committee_id, the_rule, reason)] = decisions(dispute_id)
    condition = the_rule and db.session.get(RoutingRule, the_rule).condition
    db.session.remove()
    return committee_id, condition, reason


def notified(auth, username, dispute_id):
    kinds = db.session.scalars(select(Notification.kind).where(
        Notification.user_id == user_id(auth, username), Notification.dispute_id == dispute_id)).all()
    db.session.remove()
    return kinds


def test_a_plain_dispute_goes_to_its_village_committee(client, auth):
    village_committee, _ = committee_of(VILLAGE_A)
    _, dispute = reported(client, auth, L4_A1)
    assert dispute["committee"]["id"] == village_committee
    assert dispute["committee"]["level"] == "village"
    assert routed_to(dispute["id"]) == (village_committee, "default", REASON["default"])
    assert notified(auth, HEAD_A, dispute["id"]) == ["dispute_routed"]
    assert notified(auth, TOWN_HEAD, dispute["id"]) == []


def test_a_cross_village_dispute_goes_to_the_town_committee(client, auth):
    town_committee, _ = committee_of(None)
    both = [village_id(VILLAGE_A), village_id(VILLAGE_B)]
    # Registered at the centre ...
    walk_in = intaken(client, auth, "center01", VILLAGE_A, village_ids=both)
    assert walk_in["committee"]["id"] == town_committee and walk_in["committee"]["level"] == "town"
    assert walk_in["committee"]["village_id"] is None
    assert walk_in["village_ids"] == sorted(both)
    assert routed_to(walk_in["id"]) == (town_committee, "multi_village", REASON["multi_village"])
    # ... or reported from the field.
    _, field = reported(client, auth, L4_A1, village_ids=both)
    assert field["committee"]["id"] == town_committee
    assert routed_to(field["id"]) == (town_committee, "multi_village", REASON["multi_village"])
    # The town committee's head hears of it; the village heads do not.
    assert notified(auth, TOWN_HEAD, field["id"]) == ["dispute_routed"]
    assert notified(auth, HEAD_A, field["id"]) == [] and notified(auth, HEAD_B, field["id"]) == []
    # The other village's secretary sees it: it is their village's dispute too.
    assert get(client, auth, L3_B, field["id"]).status_code == 200
    assert {walk_in["id"], field["id"]} <= set(listed_ids(client, auth, L3_B))
    # Only the same village listed again is not a cross-village dispute.
    single = intaken(client, auth, "center01", VILLAGE_A, village_ids=[village_id(VILLAGE_A)])
    assert single["committee"]["level"] == "village"


def test_a_serious_dispute_goes_to_the_town_committee(client, auth):
    town_committee, _ = committee_of(None)
    _, field = reported(client, auth, L4_A1, serious=True)
    assert field["serious"] is True and field["committee"]["id"] == town_committee
    assert routed_to(field["id"]) == (town_committee, "serious", REASON["serious"])
    walk_in = intaken(client, auth, "center01", VILLAGE_B, serious=True)
    assert walk_in["committee"]["level"] == "town"
    # Serious and cross-village: the serious rule comes first (priority 20 before 30).
    both = intaken(client, auth, "center01", VILLAGE_A, serious=True,
                   village_ids=[village_id(VILLAGE_A), village_id(VILLAGE_B)])
    assert routed_to(both["id"]) == (town_committee, "serious", REASON["serious"])


def test_deleting_the_serious_rule_keeps_serious_disputes_in_the_village(client, auth, app):
    village_committee, _ = committee_of(VILLAGE_A)
    town_committee, _ = committee_of(None)
    assert execute("DELETE FROM routing_rules WHERE condition = 'serious'") == 1
    listing = cli(app, "disputes", "rules")
    assert listing.exit_code == 0 and "serious" not in listing.output
    assert "multi_village" in listing.output and "default" in listing.output

    _, field = reported(client, auth, L4_A1, serious=True)
    assert field["committee"]["id"] == village_committee
    assert routed_to(field["id"]) == (village_committee, "default", REASON["default"])
    # The remaining rules still apply.
    both = intaken(client, auth, "center01", VILLAGE_A, serious=True,
                   village_ids=[village_id(VILLAGE_A), village_id(VILLAGE_B)])
    assert routed_to(both["id"]) == (town_committee, "multi_village", REASON["multi_village"])


def test_rule_priorities_and_targets_are_data(client, auth, app):
    village_committee, _ = committee_of(VILLAGE_A)
    town_committee, _ = committee_of(None)
    both = [village_id(VILLAGE_A), village_id(VILLAGE_B)]
    first = intaken(client, auth, "center01", VILLAGE_A, serious=True, village_ids=both)
    assert routed_to(first["id"])[1] == "serious"

    # Raise the cross-village rule above the serious one: it now decides.
    execute("UPDATE routing_rules SET priority = 15 WHERE condition = 'multi_village'")
    assert [line.split()[1] for line in cli(app, "disputes", "rules").output.splitlines()] == [
        "escalated", "multi_village", "serious", "default"]
    second = intaken(client, auth, "center01", VILLAGE_A, serious=True, village_ids=both)
    assert routed_to(second["id"]) == (town_committee, "multi_village", REASON["multi_village"])

    # Send cross-village disputes to the village committee instead, with the town's own reason.
    execute("UPDATE routing_rules SET target_level = 'village', reason = '跨村纠纷由主要发生地村调委会牵头' "
            "WHERE condition = 'multi_village'")
    third = intaken(client, auth, "center01", VILLAGE_A, village_ids=both)
    assert third["committee"]["id"] == village_committee
    assert routed_to(third["id"]) == (village_committee, "multi_village", "跨村纠纷由主要发生地村调委会牵头")
    # Decisions already taken stay as they were.
    assert routed_to(first["id"]) == (town_committee, "serious", REASON["serious"])
    assert rule_id("serious") is not None
    assert get(client, auth, "center01", first["id"]).get_json()["committee"]["level"] == "town"
