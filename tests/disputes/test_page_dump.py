"""The dispute list and sync pages are dumped without marshmallow (service/dumping.py): they must
say exactly what the documented schema says, for every kind of value a dispute page holds."""
from sqlalchemy import select

from service.disputes.presenters import dispute_item
from service.disputes.schemas import DisputePageSchema
from service.dumping import dumper
from service.extensions import db
from service.models import Dispute
from tests.disputes.conftest import (API, HEAD_A, TOWN_HEAD, TOWN_MED2, VILLAGE_B, acted,
                                     dispute_details, drive, intaken, village_id)


def test_the_fast_page_dump_equals_the_schema_dump(client, auth):
    plain = intaken(client, auth)
    agreed = intaken(client, auth, serious=False)
    drive(client, auth, agreed["id"], "agreed")
    failed = intaken(client, auth, **dispute_details(village_ids=[village_id(VILLAGE_B)]))
    drive(client, auth, failed["id"], "failed", head=TOWN_HEAD, mediator=TOWN_MED2)  # two villages
    acted(client, auth, HEAD_A, plain["id"], "decline", {"reason": "一方明确拒绝调解"})
    db.session.remove()
    rows = db.session.scalars(select(Dispute).order_by(Dispute.id)).all()
    items = [dispute_item(row, False, None) for row in rows]
    assert {item["agreement"] is None for item in items} == {True, False}
    assert {len(item["village_ids"]) for item in items} == {1, 2}
    for body in ({"items": items, "next_cursor": "abc"},
                 {"items": [], "next_cursor": None, "sync_cursor": None, "removed": [],
                  "scope_tag": "0123456789abcdef"},
                 {"items": items, "next_cursor": None, "sync_cursor": "xyz",
                  "removed": [rows[0].id], "scope_tag": "fedcba9876543210"}):
        assert dumper(DisputePageSchema())(body) == DisputePageSchema().dump(body)
    db.session.remove()
    page = client.get(f"{API}/disputes", headers=auth.headers("center01")).get_json()
    assert [item["id"] for item in page["items"]] == [failed["id"], agreed["id"], plain["id"]]
    assert page["items"][1]["agreement"]["amount_yuan"] == "3500.00"
