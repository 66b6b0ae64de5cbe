"""Exactly-once report submission through the real server while a worker is killed.

A smaller run of bench/reliability.py on each database: gunicorn with two workers on a fresh
copy of the demo town, 8 clients submitting 300 reports and resending the same client_id and
body after any error or (short) timeout, one worker SIGKILLed halfway through.
Every submission must end acknowledged (201, or 200 for a replay), every acknowledgement must
name the one incident stored for its client_id, and nothing may be stored twice.
"""
import pytest

from bench.reliability import run

SUBMISSIONS = 300
CLIENTS = 8
MAX_SECONDS = 50  # the clients give up after this; the whole test stays near a minute


@pytest.mark.slow
def test_every_acknowledged_report_is_stored_exactly_once_across_a_worker_kill(database_url,
                                                                                 tmp_path):
    facts, problems, server_log = run(database_url, tmp_path, submissions=SUBMISSIONS,
                                      clients=CLIENTS, workers=2, kills=1, timeout=1.0,
                                      max_seconds=MAX_SECONDS, log=lambda line: None)
    summary = {key: facts[key] for key in ("acknowledged", "stored_exactly_once", "attempts",
                                           "outcomes", "kills", "seconds")}
    assert problems == [], f"{problems[:10]}\n{summary}\n{server_log[-2000:]}"
    assert len(facts["kills"]) == 1, summary
    assert facts["acknowledged"] == SUBMISSIONS, summary
    assert facts["stored_exactly_once"] == SUBMISSIONS, summary
    assert facts["stored_rows"] == SUBMISSIONS, summary
    assert facts["client_ids_stored_twice"] == 0, summary
    assert facts["workers_after"] == 2, summary  # the master replaced the killed worker
