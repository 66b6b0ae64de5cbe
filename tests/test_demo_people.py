"""The demo town's people: every documented username, role and level."""
from sqlalchemy import func, select

from service.extensions import db
from service.models import Committee, CommitteeMember, Grid, LegalAdvisor, User, Village, WorkerAssignment


def usernames():
    return set(db.session.scalars(select(User.username)))


def test_documented_usernames_exist(app):
    names = usernames()
    villages = db.session.scalars(select(Village.code)).all()
    grids = db.session.scalars(select(Grid.code)).all()
    expected = {"admin", "center01", "center02", "l1-01", "l1-02"}
    expected |= {f"l2-{n:02d}" for n in range(1, 9)}
    expected |= {f"l3-{code}" for code in villages} | {f"l4-{code}" for code in grids}
    expected |= {f"med-town-{n}" for n in range(1, 6)}
    expected |= {f"med-{code}-{n}" for code in villages for n in (1, 2, 3)}
    assert len(villages) == 23 and len(grids) == 94
    assert expected <= names


def test_level_two_leaders_cover_every_village_about_three_each(app):
    rows = db.session.execute(select(WorkerAssignment.user_id, WorkerAssignment.village_id)
                              .where(WorkerAssignment.level == 2)).all()
    per_leader = {}
    for user_id, village_id in rows:
        per_leader.setdefault(user_id, set()).add(village_id)
    assert len(per_leader) == 8
    assert all(2 <= len(villages) <= 4 for villages in per_leader.values())
    assert set().union(*per_leader.values()) == set(db.session.scalars(select(Village.id)))


def test_every_grid_has_all_four_levels(client, auth):
    headers = auth.headers("l4-441403116201001")
    for grid_id in db.session.scalars(select(Grid.id)):
        chain = client.get(f"/api/v1/grids/{grid_id}", headers=headers).get_json()["chain"]
        assert [link["level"] for link in chain] == [1, 2, 3, 4]
        assert all(link["workers"] for link in chain), chain


def test_committees_have_members_and_one_head(app):
    committees = db.session.scalars(select(Committee)).all()
    assert sum(c.level == "town" for c in committees) == 1
    assert sum(c.level == "village" for c in committees) == 23
    for committee in committees:
        heads = [m for m in committee.members if m.is_head]
        assert len(heads) == 1 and heads[0].user.username.endswith("-1")
        assert "committee_head" in heads[0].user.role_names
        assert len(committee.members) == (5 if committee.level == "town" else 3)


def test_one_legal_advisor_per_village(app):
    assert db.session.scalar(select(func.count(func.distinct(LegalAdvisor.village_id)))) == 23


def test_mediators_sign_in_with_committee_scope(client, auth):
    me = auth.tokens("med-441403116201-2")["user"]
    member_of = db.session.scalars(select(CommitteeMember.committee_id).join(User).where(
        User.username == "med-441403116201-2")).all()
    assert me["roles"] == ["mediator"] and me["scope"]["committee_ids"] == member_of
