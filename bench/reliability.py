"""Exactly-once report submission while gunicorn workers are killed.

Concurrent clients (each signed in as a different level-4 grid worker) submit reports the way
the phone app does: every submission gets a fresh uuid4 client_id, and on any error, 5xx or
timeout (short ones) the client sends the same client_id with the same body again, until the
server acknowledges it (201 created, or 200 replayed). Meanwhile gunicorn workers are killed
with SIGKILL (found as children of the gunicorn master) — mid-request, mid-transaction.

Afterwards the database is checked:
  * every submission was acknowledged, and every acknowledgement (201 or 200) names the one
    stored incident of that client_id (same id, same case number);
  * every client_id is stored exactly once, with exactly one "report" entry in its case record;
  * nothing else was stored; case numbers and change numbers are unique.

    .venv/bin/python -m bench.reliability [--submissions 3000] [--clients 16] [--workers 3]
                                          [--kills 2] [--timeout 1.5]

Runs on a fresh PostGIS database (or --database-url, e.g. a SpatiaLite file already set up).
Prints a Markdown table; writes bench/results/reliability-<time>.json.
tests/test_reliability.py runs a smaller version of the same code on both databases.
"""
import argparse
import random
import sys
import tempfile
import threading
import time
import uuid
from contextlib import nullcontext
from pathlib import Path

if __package__ in (None, ""):  # run as a file: python bench/reliability.py
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import requests
from sqlalchemy import create_engine, text

from bench.common import (Gunicorn, api_grids, api_points, exit_on_sigterm, flask_setup, login,
                          machine, markdown_table, percentile, scratch_postgis, server_env,
                          write_results)

ACKNOWLEDGED = (200, 201)


class Submission:
    __slots__ = ("number", "username", "client_id", "body", "attempts", "acks", "outcomes",
                 "rejected", "latency_s")

    def __init__(self, number, username, body):
        self.number, self.username, self.body = number, username, body
        self.client_id = body["client_id"]
        self.attempts = 0
        self.acks = []        # (status, incident id, case number) for every 200/201
        self.outcomes = {}    # what each attempt got: "201", "timeout", "connection", "502", …
        self.rejected = None  # a 4xx other than 429: the submission is not retried
        self.latency_s = None  # first attempt → acknowledgement


class Killer(threading.Thread):
    """SIGKILLs a random worker each time the acknowledged share passes one of ``at``."""

    def __init__(self, server, progress, total, at, seed):
        super().__init__(daemon=True)
        self.server, self.progress, self.total, self.at = server, progress, total, list(at)
        self.rng = random.Random(seed)
        self.kills = []
        self.stop = threading.Event()

    def run(self):
        for share in self.at:
            while not self.stop.is_set() and self.progress["acked"] < share * self.total:
                time.sleep(0.01)
            if self.stop.is_set():
                return
            pids = self.server.worker_pids()
            if not pids:
                continue
            pid = self.server.kill_worker(self.rng.choice(pids))
            self.kills.append({"pid": pid, "after_acks": self.progress["acked"],
                               "at_s": time.monotonic() - self.progress["started"],
                               "workers_before": len(pids)})


def client_loop(base, token, submissions, progress, lock, timeout, deadline, seed):
    rng = random.Random(seed)
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {token}"
    url = f"{base}/incidents"
    for submission in submissions:
        first = time.monotonic()
        while time.monotonic() < deadline:
            submission.attempts += 1
            try:
                answer = session.post(url, json=submission.body, timeout=(1.0, timeout))
                outcome = str(answer.status_code)
            except requests.Timeout:
                answer, outcome = None, "timeout"
            except requests.ConnectionError:
                answer, outcome = None, "connection"
            except requests.RequestException:  # e.g. the answer cut off half-way by the kill
                answer, outcome = None, "broken answer"
            submission.outcomes[outcome] = submission.outcomes.get(outcome, 0) + 1
            if answer is not None and answer.status_code in ACKNOWLEDGED:
                body = answer.json()
                submission.acks.append((answer.status_code, body["id"], body["number"]))
                submission.latency_s = time.monotonic() - first
                with lock:
                    progress["acked"] += 1
                break
            if answer is not None and answer.status_code < 500 and answer.status_code != 429:
                submission.rejected = f"{answer.status_code} {answer.text[:300]}"
                break
            session.close()  # a fresh connection after any failure
            time.sleep(min(0.02 * submission.attempts, 0.3) * (0.5 + rng.random()))


def submit_all(server, usernames, points, total, clients, timeout, kill_at, max_seconds, seed=7):
    """Run the clients and the killer; returns (submissions, kills, seconds)."""
    tokens = [login(server.base, name) for name in usernames[:clients]]
    rng = random.Random(seed)
    submissions = []
    for number in range(total):
        lon, lat, _ = points[number % len(points)]
        submissions.append(Submission(number, usernames[number % clients], {
            "client_id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            "category": rng.choice(["safety_hazard", "environment", "public_service", "other"]),
            "description": f"可靠性测试上报 {number}：井盖缺失，行人易跌落",
            "location": {"type": "Point", "coordinates": [lon, lat]},
            "accuracy_m": round(rng.uniform(3, 30), 1),
        }))
    progress = {"acked": 0, "started": time.monotonic()}
    lock = threading.Lock()
    deadline = progress["started"] + max_seconds
    killer = Killer(server, progress, total, kill_at, seed)
    threads = [threading.Thread(target=client_loop, args=(
        server.base, tokens[k], submissions[k::clients], progress, lock, timeout, deadline, seed + k))
        for k in range(clients)]
    for thread in threads:
        thread.daemon = True  # a SIGTERM of the benchmark must not wait for them
    killer.start()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    killer.stop.set()
    killer.join()
    return submissions, killer.kills, time.monotonic() - progress["started"]


def existing_incident_ids(database_url):
    """The incidents already stored before the run (the demo data may bring some)."""
    engine = create_engine(database_url)
    with engine.connect() as conn:
        ids = frozenset(conn.execute(text("SELECT id FROM incidents")).scalars())
    engine.dispose()
    return ids


def verify(database_url, submissions, before=frozenset()):
    """Check exactly-once in the database, ignoring the incidents ``before`` the run;
    returns (facts, problems)."""
    engine = create_engine(database_url)
    with engine.connect() as conn:
        stored, run_change_seqs = {}, []
        for incident_id, client_id, reporter, number, change_seq in conn.execute(text(
                "SELECT i.id, i.client_id, u.username, i.number, i.change_seq FROM incidents i "
                "JOIN users u ON u.id = i.reporter_id")):
            if incident_id in before:
                continue
            run_change_seqs.append(change_seq)
            stored.setdefault(client_id, []).append((incident_id, reporter, number))
        report_events = dict(conn.execute(text(
            "SELECT incident_id, count(*) FROM incident_events WHERE action = 'report' "
            "GROUP BY incident_id")).all())
        numbers = conn.execute(text("SELECT count(*), count(DISTINCT number) FROM incidents")).one()
        change_seqs = conn.execute(text(
            "SELECT count(*), count(DISTINCT change_seq), max(change_seq) FROM incidents")).one()
        counter = conn.execute(text(
            "SELECT value FROM counters WHERE name = 'incidents.change_seq'")).scalar()
        # A phone syncs from the newest updated_at it has seen: a change numbered later but
        # stamped earlier than the one before it would be missed.
        stamped_out_of_order = conn.execute(text(
            "SELECT count(*) FROM (SELECT updated_at, lag(updated_at) OVER (ORDER BY change_seq)"
            " AS stamped_before FROM incidents) AS changes WHERE stamped_before > updated_at")
        ).scalar()
    engine.dispose()

    problems = []
    ours = {s.client_id for s in submissions}
    for s in submissions:
        rows = stored.get(s.client_id, [])
        if s.rejected:
            problems.append(f"#{s.number} {s.client_id}: rejected {s.rejected}")
        if not s.acks and not s.rejected:
            problems.append(f"#{s.number} {s.client_id}: never acknowledged ({s.outcomes})")
        if len(rows) != 1:
            if rows or s.acks:
                problems.append(f"#{s.number} {s.client_id}: stored {len(rows)} times, "
                                f"acknowledged {len(s.acks)} times")
            continue
        incident_id, reporter, number = rows[0]
        if reporter != s.username:
            problems.append(f"#{s.number} {s.client_id}: stored for {reporter}, sent by {s.username}")
        for status, acked_id, acked_number in s.acks:
            if (acked_id, acked_number) != (incident_id, number):
                problems.append(f"#{s.number} {s.client_id}: acknowledged ({status}) as "
                                f"{acked_id}/{acked_number}, stored as {incident_id}/{number}")
        if report_events.get(incident_id, 0) != 1:
            problems.append(f"#{s.number} incident {incident_id}: {report_events.get(incident_id, 0)} "
                            f"'report' events in its case record")
    strangers = sorted(set(stored) - ours)
    if strangers:
        problems.append(f"{len(strangers)} stored client_ids nobody submitted: {strangers[:5]}")
    if numbers[0] != numbers[1]:
        problems.append(f"case numbers not unique: {numbers[0]} rows, {numbers[1]} numbers")
    if change_seqs[0] != change_seqs[1]:
        problems.append(f"change_seq not unique: {change_seqs[0]} rows, {change_seqs[1]} values")
    if stamped_out_of_order:
        problems.append(f"{stamped_out_of_order} changes stamped earlier than the change numbered "
                        "before them: a sync by updated_at could miss them")

    outcomes = {}
    for s in submissions:
        for outcome, n in s.outcomes.items():
            outcomes[outcome] = outcomes.get(outcome, 0) + n
    latencies = [s.latency_s * 1000 for s in submissions if s.latency_s is not None]
    facts = {
        "submissions": len(submissions),
        "acknowledged": sum(1 for s in submissions if s.acks),
        "acknowledgements": sum(len(s.acks) for s in submissions),
        "acknowledged_201": sum(1 for s in submissions for a in s.acks if a[0] == 201),
        "acknowledged_200_replay": sum(1 for s in submissions for a in s.acks if a[0] == 200),
        "stored_rows": sum(len(rows) for rows in stored.values()),
        "stored_exactly_once": sum(1 for s in submissions if len(stored.get(s.client_id, [])) == 1),
        "client_ids_stored_twice": sum(1 for rows in stored.values() if len(rows) > 1),
        "attempts": sum(s.attempts for s in submissions),
        "retried_submissions": sum(1 for s in submissions if s.attempts > 1),
        "outcomes": outcomes,
        "ack_latency_p50_ms": percentile(latencies, 50),
        "ack_latency_p99_ms": percentile(latencies, 99),
        "ack_latency_max_ms": max(latencies, default=None),
        "change_seq_max": change_seqs[2], "change_seq_counter": counter,
        "stamped_out_of_order": stamped_out_of_order,
        # reports of the run took consecutive change numbers: rolled-back attempts gave theirs back
        "change_seq_consecutive_in_run": bool(run_change_seqs) and (
            max(run_change_seqs) - min(run_change_seqs) + 1 == len(run_change_seqs)),
        "incidents_before_run": len(before),
    }
    return facts, problems


def run(database_url, workdir, submissions=3000, clients=16, workers=3, kills=2, timeout=1.5,
        max_seconds=600, seed=7, threads=1, log=print):
    """Serve ``database_url`` (already set up) with gunicorn, submit, kill, verify."""
    workdir = Path(workdir)
    before = existing_incident_ids(database_url)
    env = server_env(database_url, PHOTO_DIR=str(workdir / "photos"))
    extra = ["--worker-class", "gthread"] if threads > 1 else []
    with Gunicorn(env, workers=workers, threads=threads, log_path=workdir / "gunicorn.log",
                  extra_args=extra) as server:
        server.wait_ready()
        admin = login(server.base, "admin")
        grids = api_grids(server.base, admin)
        usernames = [f"l4-{feature['properties']['code']}" for feature in grids]
        usernames = usernames[::max(1, len(usernames) // clients)][:clients]
        points = api_points(grids, 1000, seed)
        kill_at = [(k + 1) / (kills + 1) for k in range(kills)]
        log(f"{submissions} submissions, {clients} clients, gunicorn -w {workers}, "
            f"kills at {[f'{share:.0%}' for share in kill_at]} of acknowledgements")
        done, kill_log, seconds = submit_all(server, usernames, points, submissions, clients,
                                             timeout, kill_at, max_seconds, seed)
        workers_after = len(server.worker_pids())
        server_log = server.output()
    facts, problems = verify(database_url, done, before)
    facts.update({"seconds": seconds, "kills": kill_log, "workers_after": workers_after,
                  "clients": clients, "workers": workers, "threads": threads, "timeout_s": timeout,
                  "acknowledged_per_s": facts["acknowledged"] / seconds})
    if len(kill_log) != kills:
        problems.append(f"{len(kill_log)} of {kills} planned worker kills happened")
    return facts, problems, server_log


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--submissions", type=int, default=3000)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers")
    parser.add_argument("--threads", type=int, default=1, help=">1: gthread workers")
    parser.add_argument("--kills", type=int, default=2, help="workers SIGKILLed during the run")
    parser.add_argument("--timeout", type=float, default=1.5, help="client read timeout, seconds")
    parser.add_argument("--max-seconds", type=float, default=900)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--database-url", default=None,
                        help="an already set-up database to use instead of a fresh PostGIS one")
    parser.add_argument("--postgres-url", default=None)
    return parser.parse_args(argv)


def main(argv=None):
    exit_on_sigterm()
    args = parse_args(argv)
    host = machine()
    scratch = nullcontext(args.database_url) if args.database_url else scratch_postgis(
        "reliability", args.postgres_url)
    with scratch as database_url, tempfile.TemporaryDirectory(prefix="bench_rel_") as workdir:
        if not args.database_url:
            flask_setup(database_url)
        facts, problems, _ = run(database_url, workdir, args.submissions, args.clients,
                                 args.workers, args.kills, args.timeout, args.max_seconds,
                                 args.seed, args.threads,
                                 log=lambda line: print(line, file=sys.stderr, flush=True))
    backend = "postgis" if database_url.startswith("postgresql") else "spatialite"
    outcomes = ", ".join(f"{key}: {value}" for key, value in sorted(facts["outcomes"].items()))
    rows = [[backend, f"{facts['submissions']:,}", facts["clients"], facts["workers"],
             f"{len(facts['kills'])} ({', '.join(str(k['pid']) for k in facts['kills'])})",
             f"{facts['timeout_s']} s", f"{facts['attempts']:,}", outcomes,
             f"{facts['acknowledged']:,}", f"{facts['stored_exactly_once']:,}",
             facts["client_ids_stored_twice"], f"{facts['acknowledged_200_replay']:,}",
             f"{facts['seconds']:.0f} s", "**yes**" if not problems else "**no**"]]
    print("\n### Exactly-once submission with workers killed\n")
    print(markdown_table(["database", "submissions", "clients", "workers", "SIGKILLs (pids)",
                          "read timeout", "attempts", "attempt outcomes", "acknowledged",
                          "stored exactly once", "client_ids stored twice", "200 replays",
                          "duration", "exactly once"], rows))
    print(f"\nAcknowledgement latency (first attempt → ack): p50 "
          f"{facts['ack_latency_p50_ms']:.0f} ms, p99 {facts['ack_latency_p99_ms']:.0f} ms, "
          f"max {facts['ack_latency_max_ms']:.0f} ms. Workers after the run: "
          f"{facts['workers_after']}. change_seq consecutive over the run's reports: "
          f"{facts['change_seq_consecutive_in_run']}.")
    for problem in problems[:20]:
        print(f"- PROBLEM: {problem}")
    print(f"\nMachine: {host['cores']} cores, {host['cpu']}, Python {host['python']}; "
          f"{host['date']}; load average at start {host['loadavg_at_start']}.")
    output = write_results("reliability", {"machine": host, "args": vars(args), "backend": backend,
                                           "facts": facts, "problems": problems})
    print(f"\nresults: {output}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
