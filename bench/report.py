"""Report submission throughput: the full service against a bare psycopg endpoint, same run.

On a fresh PostGIS database set up with `flask --app service setup`, for each gunicorn
configuration (the same for both apps) this serves
  * the service — POST /api/v1/incidents, full stack: token check, validation, grid lookup,
    insert, case record, duplicate check — and
  * bench/bare_app.py — parse JSON, INSERT the point with its grid found by ST_Contains against
    the same grids table, one pooled psycopg connection, no framework — and the same work in a
    bare Flask app (what the framework alone costs), and
  * bench/bare_report.py — the service's own report statements (token and holder, duplicates,
    grid, counters, INSERT, case record, commit) in plain psycopg: what the work itself costs
    with no framework, the floor any implementation on this schema stands on, and
  * bench/bare_report_one_statement.py — the same work as one SQL statement, one round trip:
    the lowest that floor goes; and the same inside a bare Flask app,
and drives each with 16 concurrent clients (connections; the service's requests signed in as
16 different level-4 grid workers in turn) POSTing random points inside the demo grids: a
warm-up, then a timed run.
It reports requests/s, p50 and p99 latency, the service/bare ratio (target ≥ 50 %, p99 ≤ 50 ms)
and each service worker's resident memory after the run (target ≤ 150 MB).

The points are drawn from --points positions spread evenly over the grids. Every report looks
for possible duplicates (same category, open, within 100 m, last 7 days) and answers with up to
20 of them, so the density of earlier reports around a point is part of the cost; the run
counts how many each timed report had ("duplicates per report"). The default, 200,000
positions, gives a few per report at the tens of thousands of reports a run leaves (the town
had 388 incidents in all of 2023); with 5,000 positions nearly every report finds 20.

    .venv/bin/python -m bench.report [--configs sync:2,sync:3,sync:4] [--duration 20]
                                     [--warmup 5] [--clients 16] [--points 200000]
                                     [--driver wrk|python]

The load generator is wrk (apt-get install wrk) when it is installed, with one thread per core
driving the 16 connections, else Python threads (one per client: their latencies include the
wait for the GIL and a core). It runs on the same machine: its CPU is taken from all apps alike.
Prints Markdown tables; writes bench/results/report-<time>.json.
"""
import argparse
import http.client
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

if __package__ in (None, ""):  # run as a file: python bench/report.py
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psycopg

from bench.bare_app import CREATE_TABLE
from geo.nearby import METRES_PER_DEGREE_LAT
from service.incidents.queries import DUPLICATE_LIMIT, DUPLICATE_RADIUS_M, DUPLICATE_WINDOW
from service.models.incidents import OPEN_STATUSES
from bench.common import (CpuMeter, Gunicorn, exit_on_sigterm, flask_setup, fmt, loadavg, login,
                          machine, markdown_table, percentile, plain, postgres_version,
                          random_points, rss_mb, scratch_postgis, server_env, wait_for_idle_cpu,
                          write_results)

LUA = Path(__file__).resolve().parent / "report_load.lua"
DESCRIPTION = "路灯损坏，夜间存在安全隐患（压测）"


# --- load generators ---------------------------------------------------------------------------

def wrk_threads(clients):
    """wrk's own threads: one per core, not one per client. With 16 wrk threads on 2 cores the
    latencies measured the load generator's wait for a core: the bare endpoint alone showed
    p99 114 ms with 16 threads and 13 ms with 2, at the same 16 connections."""
    return max(1, min(clients, os.cpu_count() or 1))


def run_wrk(url, tokens_file, points_file, clients, threads, duration):
    env = {**os.environ, "BENCH_TOKENS": str(tokens_file), "BENCH_POINTS": str(points_file),
           "BENCH_PATH": "/" + url.split("/", 3)[3], "BENCH_THREADS": str(threads)}
    done = subprocess.run(["wrk", "-t", str(threads), "-c", str(clients), "-d", f"{duration}s",
                           "--timeout", "10s", "-s", str(LUA), url],
                          env=env, capture_output=True, text=True, check=True)
    line = next(line for line in done.stdout.splitlines() if line.startswith("BENCH_JSON "))
    raw = json.loads(line.removeprefix("BENCH_JSON "))
    seconds = raw["duration_us"] / 1e6
    ok = sum(n for status, n in raw["statuses"].items() if status.startswith("2"))
    return {"driver": "wrk", "threads": threads, "requests": raw["requests"], "ok": ok,
            "seconds": seconds, "rps": ok / seconds, "p50_ms": raw["latency_us"]["p50"] / 1000,
            "p90_ms": raw["latency_us"]["p90"] / 1000, "p99_ms": raw["latency_us"]["p99"] / 1000,
            "max_ms": raw["latency_us"]["max"] / 1000, "statuses": raw["statuses"],
            "errors": raw["errors"]}


def run_python(url, tokens, points, clients, duration):
    """Threads with http.client, one connection per client (reopened when the server closes it)."""
    host_port, path = url.split("/", 3)[2], "/" + url.split("/", 3)[3]
    host, port = host_port.split(":")
    latencies, statuses, errors = [], {}, {"exception": 0}
    lock = threading.Lock()
    stop_at = time.monotonic() + duration
    started = time.monotonic()

    def client(number):
        import random
        rng = random.Random(number)
        headers = {"Content-Type": "application/json", "Authorization": f"Bearer {tokens[number % len(tokens)]}"}
        conn = None
        mine, my_statuses, my_errors = [], {}, 0
        while time.monotonic() < stop_at:
            lon, lat, _grid = points[rng.randrange(len(points))]
            body = json.dumps({"client_id": str(uuid.uuid4()), "category": "safety_hazard",
                               "description": DESCRIPTION,
                               "location": {"type": "Point", "coordinates": [lon, lat]}},
                              ensure_ascii=False).encode()
            begin = time.perf_counter()
            try:
                if conn is None:
                    conn = http.client.HTTPConnection(host, int(port), timeout=10)
                conn.request("POST", path, body, headers)
                answer = conn.getresponse()
                answer.read()
                if answer.getheader("Connection", "").lower() == "close":
                    conn.close()
                    conn = None
            except (OSError, http.client.HTTPException):
                my_errors += 1
                conn = None
                continue
            mine.append((time.perf_counter() - begin) * 1000)
            my_statuses[str(answer.status)] = my_statuses.get(str(answer.status), 0) + 1
        with lock:
            latencies.extend(mine)
            for status, n in my_statuses.items():
                statuses[status] = statuses.get(status, 0) + n
            errors["exception"] += my_errors

    workers = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    seconds = time.monotonic() - started
    ok = sum(n for status, n in statuses.items() if status.startswith("2"))
    return {"driver": "python", "requests": len(latencies), "ok": ok, "seconds": seconds,
            "rps": ok / seconds, "p50_ms": percentile(latencies, 50),
            "p90_ms": percentile(latencies, 90), "p99_ms": percentile(latencies, 99),
            "max_ms": max(latencies, default=None), "statuses": statuses, "errors": errors}


class Load:
    def __init__(self, driver, tokens, points, clients, workdir):
        self.driver, self.tokens, self.points, self.clients = driver, tokens, points, clients
        self.tokens_file = Path(workdir) / "tokens.txt"
        # One file per wrk thread (points-1.txt …), each with its share of the positions: a
        # thread parses its own file as the timed run starts, not all of them.
        self.points_file = Path(workdir) / "points-%d.txt"
        self.tokens_file.write_text("\n".join(tokens) + "\n")
        self.threads = wrk_threads(clients)
        for number in range(1, self.threads + 1):
            Path(str(self.points_file) % number).write_text("".join(
                f"{lon!r} {lat!r}\n" for lon, lat, _ in points[number - 1::self.threads]))

    def run(self, url, duration):
        if self.driver == "wrk":
            return run_wrk(url, self.tokens_file, self.points_file, self.clients, self.threads,
                           duration)
        return run_python(url, self.tokens, self.points, self.clients, duration)


# --- one configuration -------------------------------------------------------------------------

def parse_config(text):
    """'sync:3' → (3 workers, 1 thread); 'gthread:2x4' → (2 workers, 4 threads)."""
    kind, _, size = text.partition(":")
    if kind == "sync":
        return {"name": text, "kind": kind, "workers": int(size), "threads": 1}
    if kind == "gthread":
        workers, threads = size.split("x")
        return {"name": text, "kind": kind, "workers": int(workers), "threads": int(threads)}
    raise argparse.ArgumentTypeError(f"bad config {text!r}: sync:N or gthread:NxT")


def analyze(plain_url):
    """Fresh planner statistics after the warm-up, as autovacuum keeps them in a running town:
    the tables started empty, and plans made for empty tables are not the ones being measured."""
    with psycopg.connect(plain_url, autocommit=True) as conn:
        conn.execute("ANALYZE")


def count_rows(plain_url, table):
    with psycopg.connect(plain_url) as conn:
        return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def last_id(plain_url, table):
    with psycopg.connect(plain_url) as conn:
        return conn.execute(f"SELECT coalesce(max(id), 0) FROM {table}").fetchone()[0]


# For each report after %(after)s, the possible duplicates the report's own rule finds: earlier
# open reports of its category near it from the window before it, at most the listed number.
# Counted town-wide; an answer lists those in the reporter's area only, so at most this many.
DUPLICATES_PER_REPORT = """
SELECT avg(LEAST(found, %(limit)s)) FROM (
    SELECT (SELECT count(*) FROM incidents o
            WHERE o.id < i.id AND o.category = i.category AND o.status = ANY(%(open)s)
              AND o.created_at >= i.created_at - %(window)s
              AND o.location && ST_Expand(i.location, %(box_deg)s)
              AND ST_DWithin(o.location::geography, i.location::geography, %(metres)s)) AS found
    FROM incidents i WHERE i.id > %(after)s) AS per_report"""


def duplicates_per_report(plain_url, after_id):
    with psycopg.connect(plain_url) as conn:
        mean = conn.execute(DUPLICATES_PER_REPORT, {
            "after": after_id, "limit": DUPLICATE_LIMIT, "open": list(OPEN_STATUSES),
            "window": DUPLICATE_WINDOW, "metres": DUPLICATE_RADIUS_M,
            # twice the radius in degrees of latitude: wide enough in longitude below 60°
            "box_deg": 2 * DUPLICATE_RADIUS_M / METRES_PER_DEGREE_LAT}).fetchone()[0]
    return float(mean) if mean is not None else None


def measure_app(name, server, url, load, args, plain_url, table):
    server.wait_ready("/api/v1/health" if name == "service" else "/health")
    before_rows = count_rows(plain_url, table)
    before_id = last_id(plain_url, table)
    busy_before = wait_for_idle_cpu(args.idle_below, args.idle_wait,
                                 log=lambda line: print(line, file=sys.stderr, flush=True))
    warm = load.run(url, args.warmup)
    analyze(plain_url)
    mid_rows = count_rows(plain_url, table)
    mid_id = last_id(plain_url, table)
    load_before = loadavg()
    with CpuMeter(server, plain_url) as meter:
        result = load.run(url, args.duration)
    after_rows = count_rows(plain_url, table)
    cpu = meter.result
    per_request = {f"{key[:-2]}_ms_per_req": cpu[key] * 1000 / result["ok"] if result["ok"] else None
                   for key in ("app_cpu_s", "db_cpu_s", "loadgen_cpu_s", "other_cpu_s")}
    if table == "incidents":
        result["duplicates_per_report"] = duplicates_per_report(plain_url, mid_id)
    result.update({"cpu": cpu, **per_request,
        "app": name, "warmup_ok": warm["ok"], "rows_added": after_rows - mid_rows,
        "rows_added_warmup": mid_rows - before_rows, "loadavg_before": load_before,
        "machine_busy_before": busy_before,
        "worker_rss_mb": {str(pid): rss for pid, rss in server.worker_rss_mb().items()},
        "master_rss_mb": rss_mb(server.pid),
    })
    if name in CLEARED_AFTERWARDS:
        remove_reports_after(plain_url, before_id)
    return result


def remove_reports_after(plain_url, after_id):
    """Take the rows of a baseline's reports out again, so that the service's next run meets
    the same town as before it (the case record's guard triggers are off for this session)."""
    with psycopg.connect(plain_url) as conn:
        conn.execute("SET session_replication_role = replica")
        conn.execute("DELETE FROM incident_events WHERE incident_id > %s", (after_id,))
        conn.execute("DELETE FROM incidents WHERE id > %s", (after_id,))


# name → (gunicorn app, request path, table its reports go to)
APPS = {"service": ("service:create_app()", "/api/v1/incidents", "incidents"),
        "bare": ("bench.bare_app:app", "/points", "bench_points"),
        "bare Flask": ("bench.bare_app:flask_app", "/points", "bench_points"),
        "bare, same work": ("bench.bare_report:app", "/incidents", "incidents"),
        "bare, same work, one statement": ("bench.bare_report_one_statement:app", "/incidents",
                                           "incidents"),
        "bare Flask, same work, one statement": ("bench.bare_report_one_statement:flask_app",
                                                 "/incidents", "incidents")}
# The baselines shown beside the service as shares of bare: app name → column label.
BASELINES = {"bare Flask": "bare Flask", "bare, same work": "same work, bare psycopg",
             "bare, same work, one statement": "same work in one statement",
             "bare Flask, same work, one statement": "the same in bare Flask"}
CLEARED_AFTERWARDS = {"bare, same work", "bare, same work, one statement",
                      "bare Flask, same work, one statement"}


def run_config(config, args, database_url, load, workdir):
    plain_url = plain(database_url)
    results = {}
    for name, (app, path, table) in APPS.items():
        env = server_env(database_url, PHOTO_DIR=str(Path(workdir) / "photos"),
                         BENCH_BARE_DSN=plain_url)
        # gthread also keeps connections alive (a sync worker closes each one after its answer)
        extra = ["--worker-class", "gthread"] if config["kind"] == "gthread" else []
        log_name = f"{name.replace(' ', '_')}-{config['name'].replace(':', '_')}.log"
        with Gunicorn(env, app, workers=config["workers"], threads=config["threads"],
                      log_path=Path(workdir) / log_name, extra_args=extra) as server:
            results[name] = measure_app(name, server, server.root + path, load, args,
                                        plain_url, table)
        print(f"  {config['name']} {name}: {results[name]['rps']:.1f} req/s, "
              f"p50 {results[name]['p50_ms']:.1f} ms, p99 {results[name]['p99_ms']:.1f} ms, "
              f"statuses {results[name]['statuses']}", file=sys.stderr, flush=True)
    bare = results["bare"]["rps"]
    return {"config": config, **results,
            "share_of_bare": {name: result["rps"] / bare if bare else None
                              for name, result in results.items()}}


# --- main --------------------------------------------------------------------------------------

def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--configs", default="sync:2,sync:3,sync:4",
                        help="gunicorn set-ups to try, the same for both apps (default %(default)s)")
    parser.add_argument("--duration", type=int, default=20, help="timed seconds per app")
    parser.add_argument("--warmup", type=int, default=5, help="untimed seconds per app first")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--points", type=int, default=200_000,
                        help="distinct random positions the reports are drawn from")
    parser.add_argument("--driver", choices=["wrk", "python"],
                        default="wrk" if shutil.which("wrk") else "python")
    parser.add_argument("--idle-below", type=float, default=0.25,
                        help="before each run wait until the machine's CPU is less busy than this")
    parser.add_argument("--idle-wait", type=float, default=300,
                        help="… but no longer than this many seconds")
    parser.add_argument("--postgres-url", default=None,
                        help="any database on the PostgreSQL server (default $BENCH_POSTGRES_URL "
                             "or postgresql+psycopg://postgres@127.0.0.1/postgres)")
    return parser.parse_args(argv)


def main(argv=None):
    exit_on_sigterm()
    args = parse_args(argv)
    configs = [parse_config(text) for text in args.configs.split(",")]
    host = machine()
    with scratch_postgis("report", args.postgres_url) as database_url, \
            tempfile.TemporaryDirectory(prefix="bench_report_") as workdir:
        plain_url = plain(database_url)
        flask_setup(database_url)
        with psycopg.connect(plain_url, autocommit=True) as conn:
            conn.execute(CREATE_TABLE)
            conn.execute("ANALYZE")
            users = [row[0] for row in conn.execute(
                "SELECT username FROM users WHERE username LIKE 'l4-%%' ORDER BY username")]
        # one level-4 worker per client, spread over the town
        step = max(1, len(users) // args.clients)
        users = users[::step][:args.clients]
        points = random_points(plain_url, args.points)
        with Gunicorn(server_env(database_url, PHOTO_DIR=str(Path(workdir) / "photos")),
                      workers=1) as server:
            server.wait_ready()
            tokens = [login(server.base, user) for user in users]
        load = Load(args.driver, tokens, points, args.clients, workdir)
        runs = []
        for config in configs:
            print(f"config {config['name']} …", file=sys.stderr, flush=True)
            runs.append(run_config(config, args, database_url, load, workdir))
        database = postgres_version(plain_url)
        incidents = count_rows(plain_url, "incidents")

    headers = ["gunicorn (every app)", "service req/s", "service p50 ms", "service p99 ms",
               "bare req/s", "bare p50 ms", "bare p99 ms", "service/bare", "≥ 50 %",
               "p99 ≤ 50 ms", *(f"{label} req/s (÷ bare)" for label in BASELINES.values()),
               "service ÷ same work",
               "service ÷ one statement in bare Flask",
               "duplicates per report",
               "service worker RSS MB",
               "non-2xx (svc/bare)"]
    rows = []
    for run in runs:
        service, bare, share = run["service"], run["bare"], run["share_of_bare"]
        over = lambda name: (f"{service['rps'] / run[name]['rps']:.0%}"  # noqa: E731
                             if run[name]["rps"] else "–")
        rss = [value for value in service["worker_rss_mb"].values() if value is not None]
        bad = lambda result: sum(n for s, n in result["statuses"].items() if not s.startswith("2")) \
            + sum(result["errors"].values())
        rows.append([
            run["config"]["name"],
            fmt(service["rps"]), fmt(service["p50_ms"]), fmt(service["p99_ms"]),
            fmt(bare["rps"]), fmt(bare["p50_ms"]), fmt(bare["p99_ms"]),
            f"{share['service']:.1%}", "yes" if share["service"] >= 0.5 else "**no**",
            "yes" if service["p99_ms"] <= 50 else "**no**",
            *(f"{fmt(run[name]['rps'])} ({share[name]:.0%})" for name in BASELINES),
            over("bare, same work"), over("bare Flask, same work, one statement"),
            fmt(service["duplicates_per_report"]),
            " / ".join(f"{value:.0f}" for value in rss) + (" (max ≤ 150: yes)" if max(rss) <= 150
                                                         else " (**> 150**)"),
            f"{bad(service)}/{bad(bare)}"])
    print(f"\n### Report submission, {args.clients} clients, {args.duration} s each after "
          f"{args.warmup} s warm-up, load generator {args.driver}\n")
    print(markdown_table(headers, rows))
    cpu_headers = ["gunicorn", "app", "req/s", "app CPU ms/req", "PostgreSQL CPU ms/req",
                   "load generator CPU ms/req", "other processes CPU ms/req", "machine busy"]
    cpu_rows = [[run["config"]["name"], name, fmt(run[name]["rps"]),
                 fmt(run[name]["app_cpu_ms_per_req"], 2), fmt(run[name]["db_cpu_ms_per_req"], 2),
                 fmt(run[name]["loadgen_cpu_ms_per_req"], 2),
                 fmt(run[name]["other_cpu_ms_per_req"], 2),
                 f"{run[name]['cpu']['machine_busy_share']:.0%}"]
                for run in runs for name in APPS]
    print("\nWhere the CPU went during the timed runs (per acknowledged request):\n")
    print(markdown_table(cpu_headers, cpu_rows))
    print(f"\nMachine: {host['cores']} cores, {host['cpu']}, Python {host['python']}, "
          f"{database}; {host['date']}; load average at start {host['loadavg_at_start']}. "
          f"Incidents in the database at the end: {incidents:,}.")
    output = write_results("report", {"machine": host, "database": database, "args": vars(args),
                                      "users": users, "runs": runs})
    print(f"\nresults: {output}")


if __name__ == "__main__":
    main()
