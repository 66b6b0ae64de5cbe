"""Reports arriving at the same instant, as from a phone that retried while its first copy was
still on the way, or from many phones at once: each thread its own request, session and
database connection, released together by a barrier."""
import threading

from service.extensions import db
from tests.incidents.conftest import API, GRID_A1, GRID_B1, counts, event_rows, report_body

L4_A1, L4_B1 = f"l4-{GRID_A1}", f"l4-{GRID_B1}"
COPIES = 8


def post_at_once(app, requests):
    """POST each (body, headers) from its own thread, all released at the same moment."""
    barrier = threading.Barrier(len(requests))
    answers = [None] * len(requests)

    def send(index, body, headers):
        client = app.test_client()
        barrier.wait()
        response = client.post(f"{API}/incidents", json=body, headers=headers)
        answers[index] = (response.status_code, response.get_json())

    threads = [threading.Thread(target=send, args=(i, *request))
               for i, request in enumerate(requests)]
    db.session.remove()  # the test's own transaction (SQLite: the write lock) must not wait too
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return answers


def test_copies_of_one_report_arriving_together_are_stored_once(app, auth):
    body = report_body(L4_A1)
    headers = auth.headers(L4_A1)
    before = counts()
    answers = post_at_once(app, [(body, headers)] * COPIES)
    statuses = sorted(status for status, _ in answers)
    assert statuses == [200] * (COPIES - 1) + [201], answers
    assert len({answer["id"] for _, answer in answers}) == 1
    assert len({answer["number"] for _, answer in answers}) == 1
    after = counts()
    assert after["incidents"] == before["incidents"] + 1
    assert after["incident_events"] == before["incident_events"] + 1
    assert [e.action for e in event_rows(answers[0][1]["id"])] == ["report"]


def test_reports_arriving_together_get_distinct_consecutive_numbers(app, auth):
    people = [(L4_A1, auth.headers(L4_A1)), (L4_B1, auth.headers(L4_B1))] * (COPIES // 2)
    answers = post_at_once(app, [(report_body(name), headers) for name, headers in people])
    assert [status for status, _ in answers] == [201] * COPIES, answers
    sequence = sorted(int(answer["number"][-6:]) for _, answer in answers)
    assert sequence == list(range(sequence[0], sequence[0] + COPIES))
