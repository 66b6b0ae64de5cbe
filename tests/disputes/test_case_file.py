"""The case file (卷宗): session and visit records readable by the committee and those answerable
for the case, and the whole file as a printable page with the parties masked unless the reader
may see them — on both databases."""
from html.parser import HTMLParser

from tests.disputes.conftest import (HEAD_A, HEAD_B, ID_MASKED, ID_NUMBER, L2_A, L3_A, MED_A2,
                                     MED_A3, PHONE, PHONE_MASKED, acted, drive, intaken,
                                     now_iso, session_body)
from tests.problems import assert_problem
from tests.town import API


class Text(HTMLParser):
    """The visible text of a page, and whether every tag it opened it closed."""

    VOID = {"meta", "br", "img", "hr", "link", "input"}

    def __init__(self, html):
        super().__init__()
        self.parts, self.open = [], []
        self.feed(html)

    def handle_starttag(self, tag, _attrs):
        if tag not in self.VOID:
            self.open.append(tag)

    def handle_endtag(self, tag):
        assert self.open and self.open.pop() == tag, (tag, self.open[-3:])

    def handle_data(self, data):
        if self.open and self.open[-1] not in ("style", "title"):
            self.parts.append(data)

    @property
    def text(self):
        return " ".join(part.strip() for part in self.parts if part.strip())


def agreed_and_visited(client, auth):
    dispute = intaken(client, auth)
    drive(client, auth, dispute["id"], "mediating")
    acted(client, auth, MED_A2, dispute["id"], "sessions",
          session_body(summary="双方就宅基地边界陈述意见，调解员释明法律规定。", attendees="张三、李四"))
    acted(client, auth, MED_A2, dispute["id"], "resolve", {
        "outcome": "agreed", "agreement": {"terms": "李四于月底前拆除越界围墙，张三不再追究。",
                                           "form": "written", "amount_yuan": "1200.00",
                                           "perform_by": "2099-01-31"}})
    acted(client, auth, MED_A3, dispute["id"], "follow-ups", {
        "visited_at": now_iso(), "performed": True, "satisfaction": 5, "note": "围墙已拆除"})
    return dispute


def test_the_committee_reads_sessions_and_visits_others_are_refused(client, auth):
    dispute = agreed_and_visited(client, auth)
    for username in (MED_A2, MED_A3, HEAD_A, "center01", "l1-01"):
        sessions = client.get(f"{API}/disputes/{dispute['id']}/sessions",
                              headers=auth.headers(username))
        assert sessions.status_code == 200, (username, sessions.get_json())
        session, = sessions.get_json()["items"]
        assert session["summary"].startswith("双方就宅基地") and session["attendees"] == "张三、李四"
        assert session["recorded_by"]["id"] == auth.tokens(MED_A2)["user"]["id"]
        visit, = client.get(f"{API}/disputes/{dispute['id']}/follow-ups",
                            headers=auth.headers(username)).get_json()["items"]
        assert visit["performed"] is True and visit["satisfaction"] == 5
    for username in (L2_A, L3_A):  # they follow the case, not the mediation's confidences
        for part in ("sessions", "follow-ups", "file"):
            answer = client.get(f"{API}/disputes/{dispute['id']}/{part}",
                                headers=auth.headers(username))
            assert_problem(answer, 403, "forbidden")
    for part in ("sessions", "follow-ups", "file"):  # another committee: not in scope at all
        answer = client.get(f"{API}/disputes/{dispute['id']}/{part}", headers=auth.headers(HEAD_B))
        assert_problem(answer, 404, "not_found")


def test_the_file_prints_every_part_with_the_parties_as_the_reader_may_see_them(client, auth):
    dispute = agreed_and_visited(client, auth)
    answer = client.get(f"{API}/disputes/{dispute['id']}/file", headers=auth.headers(HEAD_A))
    assert answer.status_code == 200 and answer.mimetype == "text/html"
    assert answer.headers["Cache-Control"] == "no-store"
    page = Text(answer.get_data(as_text=True))
    assert page.open == []
    for expected in ("人民调解卷宗", dispute["number"], dispute["committee"]["name"], "邻里",
                     "双方就宅基地边界陈述意见", "人民调解协议书", "李四于月底前拆除越界围墙",
                     "1200.00 元", "2099-01-31", "司法确认", "已履行", "5 / 5", "围墙已拆除",
                     "受理", "指派调解员", "回访", PHONE, ID_NUMBER):
        assert expected in page.text, expected
    assert ID_MASKED not in page.text

    masked = Text(client.get(f"{API}/disputes/{dispute['id']}/file",
                             headers=auth.headers(MED_A3)).get_data(as_text=True)).text
    assert PHONE_MASKED in masked and ID_MASKED in masked
    assert PHONE not in masked and ID_NUMBER not in masked


def test_a_file_escapes_what_people_wrote(client, auth):
    dispute = intaken(client, auth, parties=[{"name": "<script>alert(1)</script>"}])
    answer = client.get(f"{API}/disputes/{dispute['id']}/file", headers=auth.headers("center01"))
    html = answer.get_data(as_text=True)
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "暂无调解记录" in Text(html).text and "暂无回访记录" in Text(html).text
