"""List and sync pages with 10k, 100k and 1M incidents stored, through the running server.

On a fresh PostGIS database (migrations + demo town) this generates, in SQL, one pool of
incidents — spread over the 94 grids (a few grids busier than others), the categories, the
channels, three years of time, with statuses by age (old ones closed, recent ones open),
reporters (the grid's level-4 worker, the village's level-3, or centre staff for walk-ins and
hotline calls), assignees for dispatched work, points inside their grid, unique change_seq in
the order of updated_at, case numbers per year — and then stores a random 10,000 of them,
then 100,000, then all 1,000,000, with the counters set so that new reports continue after
them (checked by filing one report through the API at each size).

At each size it times, through gunicorn, for center01 (town-wide), the level-4 worker of the
busiest grid and the level-3 worker of the busiest village:
  * GET /incidents?limit=50 — the first page, and a deep page (a cursor at the middle of the
    caller's rows, made like the service makes them);
  * GET /incidents?status=reported&limit=50 — the caller's reports not yet taken up (a filter
    on a rare status: 0.2 % of the rows at 1M);
  * GET /incidents?updated_after=<24 h before the newest change>&limit=50 — a phone's sync;
  * GET /incidents?overdue=true&limit=50 — the time-limited cases (petitions, 12345 work orders)
    past their deadline, the supervisors' list (deadlines about as the service sets them: 15
    days to register or to answer a 12345 call, 60 more days to handle an accepted petition);
  * GET /incidents?awaiting=answer|visit|review&limit=50 — the centre's to-do lists: handled
    petitions and 12345 work orders not yet answered (40 % of the handled ones), closed ones
    not yet visited (those closed in the last 10 days), petitions whose review awaits an
    opinion (a tenth of those closed in the last 30 days);
  * GET /incidents?assigned_to=me&limit=50, and with status=dispatched — the caller's own cases,
    and those still to handle (待我处置);
  * GET /georeport/v2/requests.json — the Open311 search as its clients ask it (the last 90
    days, at most 1,000 requests; not a page, so not in the flat check).
Target: p99 ≤ 30 ms, flat from 10k to 1M. For every query it also records the SQL the service
runs and its EXPLAIN (ANALYZE, BUFFERS) at that size, and the rows the plan touched; with
--check-flat it exits 1 when a page's plan touches more than twice as many rows (plus 200) at
the largest size as at the smallest: a plan that sorts or filters in proportion to the table.
CI runs that at 100k and 1M.

    .venv/bin/python -m bench.sync [--sizes 10000,100000,1000000] [--requests 200] [--workers 2]
                                   [--check-flat]

Prints Markdown tables; writes bench/results/sync-<time>.json.
"""
import argparse
import os
import re
import sys
import tempfile
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

if __package__ in (None, ""):  # run as a file: python bench/sync.py
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psycopg
import requests

from bench.common import (DESCRIPTIONS, GRID_REFERENCE, STATUS_BY_AGE, Gunicorn, exit_on_sigterm,
                          flask_setup, fmt, login, machine, markdown_table, percentile, plain,
                          postgres_version, scratch_postgis, server_env, signed_in_session,
                          timed_gets, wait_for_idle_cpu, write_results)
from service.incidents.awaiting import AWAITING, condition as awaiting_condition

TARGET_P99_MS = 30
# --check-flat: a page's plan may touch at most this many times the rows (plus a few) at the
# largest size as at the smallest.
FLAT_GROWTH, FLAT_SLACK = 2, 200
# Pages that must read a set which grows with the town's backlog, not with its history: the
# overdue list reads every overdue case (its index holds running deadlines only) and sorts them.
# The bench's backlog grows with its size (the same three years, ever busier) and may be empty
# at the smallest, so such a page is held to what it must read at the largest (unflat_pages).
# So does each to-do list (awaiting=…): its partial index holds just its cases; and the caller's
# cases still to handle, read from the index of their dispatched ones (the town's dispatched
# cases bound them).
AWAITING_QUERIES = {name: f"to-do (awaiting={name})" for name in AWAITING}
MINE = {"mine (assigned_to=me)": {"assigned_to": "me"},
        "mine to handle (assigned_to=me, status=dispatched)": {"assigned_to": "me",
                                                               "status": "dispatched"}}
BACKLOG_SQL = {"overdue (overdue=true)": "SELECT count(*) FROM incidents WHERE due_at < now()",
               **{query: "SELECT count(*) FROM incidents WHERE " + str(
                   awaiting_condition(name).compile(compile_kwargs={"literal_binds": True}))
                  for name, query in AWAITING_QUERIES.items()},
               "mine to handle (assigned_to=me, status=dispatched)":
                   "SELECT count(*) FROM incidents WHERE status = 'dispatched'"}
POINTS_PER_GRID = 256
YEARS = 3

# --- generating the incidents ------------------------------------------------------------------


# One row per future incident, everything decided; ``pick`` (a random rank) says at which size
# a row is stored. change_seq follows updated_at; case numbers follow created_at within a year.
STAGING = """
CREATE UNLOGGED TABLE bench_staging AS
WITH draws AS (
    SELECT n,
           floor(%(grids)s * power(random(), 1.6))::int AS gk,  -- low k busier
           %(t_end)s::timestamptz - make_interval(secs => random() * %(span_s)s) AS created_at,
           random() AS r_cat, random() AS r_chan, random() AS r_who, random() AS r_status,
           random() AS r_delay, random() AS r_point, random() AS r_acc, random() AS r_occ
    FROM generate_series(1, %(total)s) AS n
), shaped AS (
    SELECT d.*, g.grid_id, g.village_id, g.town_id, g.l4_id, g.l3_id,
           extract(epoch FROM %(t_end)s::timestamptz - d.created_at) / 86400 AS age_days,
           CASE WHEN r_cat < 0.12 THEN 'public_security' WHEN r_cat < 0.40 THEN 'safety_hazard'
                WHEN r_cat < 0.62 THEN 'environment' WHEN r_cat < 0.87 THEN 'public_service'
                WHEN r_cat < 0.92 THEN 'petition' WHEN r_cat < 0.95 THEN 'emergency'
                ELSE 'other' END AS category,
           CASE WHEN r_chan < 0.80 THEN 'grid_worker' WHEN r_chan < 0.88 THEN 'walk_in'
                WHEN r_chan < 0.93 THEN 'online' WHEN r_chan < 0.98 THEN 'hotline_12345'
                ELSE 'letter' END AS channel
    FROM draws d JOIN bench_grid_ref g ON g.k = d.gk
), statused AS (
    SELECT s.*,
           {status_by_age} AS status
    FROM shaped s
), finished AS (
    SELECT t.*,
           CASE WHEN channel = 'grid_worker' THEN CASE WHEN r_who < 0.9 THEN l4_id ELSE l3_id END
                ELSE (%(center_ids)s::int[])[1 + floor(r_who * cardinality(%(center_ids)s::int[]))::int]
           END AS reporter_id,
           CASE WHEN status IN ('dispatched', 'handled', 'closed') THEN l4_id END AS assignee_id,
           CASE status WHEN 'reported' THEN 1 WHEN 'accepted' THEN 2 WHEN 'rejected' THEN 2
                WHEN 'dispatched' THEN 3 WHEN 'handled' THEN 4 ELSE 5 END AS version,
           CASE WHEN status = 'reported' THEN created_at
                ELSE created_at + make_interval(secs => r_delay * least(age_days, 14) * 86400)
           END AS updated_at,
           category = 'petition' OR channel = 'hotline_12345' AS answers,
           -- a handled case is answered (答复) 6 times in 10, a closed one always
           status = 'closed' OR status = 'handled' AND r_delay < 0.6 AS replied
    FROM statused t
), dated AS (
    SELECT f.*,
           CASE WHEN answers AND (status IN ('reported', 'accepted', 'dispatched')
                                  OR status = 'handled' AND NOT replied)
                THEN created_at + CASE WHEN category = 'petition' AND status <> 'reported'
                                       THEN interval '75 days' ELSE interval '15 days' END
                WHEN category = 'petition' AND status = 'closed' AND age_days < 30
                     AND r_occ < 0.1  -- a review (复查) asked for, not yet decided
                THEN updated_at + interval '30 days'
           END AS due_at,
           CASE WHEN answers AND replied THEN created_at + (updated_at - created_at) * 0.8
           END AS replied_at,
           CASE WHEN status = 'closed' THEN created_at + (updated_at - created_at) * 0.9
           END AS closed_at,
           -- answered cases closed more than 10 days ago have had their return visit (回访)
           CASE WHEN answers AND status = 'closed' AND age_days > 10 THEN updated_at
           END AS visited_at,
           CASE WHEN answers AND status = 'closed' AND age_days > 10
                THEN 1 + floor(r_acc * 5)::int END AS satisfaction,
           CASE WHEN category = 'petition' AND status = 'closed' AND age_days < 30
                     AND r_occ < 0.1 THEN updated_at END AS review_requested_at
    FROM finished f
)
SELECT n, town_id, grid_id, village_id, category, channel, status, reporter_id, assignee_id,
       version, created_at, updated_at, due_at, replied_at, closed_at, visited_at, satisfaction,
       review_requested_at,
       created_at - make_interval(secs => r_occ * 172800) AS occurred_at,
       round((3 + r_acc * 27)::numeric, 1)::float8 AS accuracy_m,
       floor(r_point * %(points)s)::int AS point_j,
       extract(year FROM created_at AT TIME ZONE 'Asia/Shanghai')::int AS year,
       row_number() OVER (PARTITION BY extract(year FROM created_at AT TIME ZONE 'Asia/Shanghai')
                          ORDER BY created_at, n) AS year_seq,
       row_number() OVER (ORDER BY updated_at, n) AS seq,
       row_number() OVER (ORDER BY random()) - 1 AS pick
FROM dated;
CREATE INDEX ON bench_staging (pick);
""".replace("{status_by_age}", STATUS_BY_AGE)


STORE = """
INSERT INTO incidents (town_id, number, client_id, request_hash, reporter_id, category, channel,
                       status, description, location, accuracy_m, occurred_at, grid_id, village_id,
                       assignee_id, dispute_id, version, change_seq, created_at, updated_at,
                       due_at, replied_at, closed_at, visited_at, satisfaction, review_requested_at)
SELECT s.town_id,
       'SJ' || s.year || lpad((s.year_seq + coalesce(c.value, 0))::text,
                                greatest(6, length((s.year_seq + coalesce(c.value, 0))::text)), '0'),
       gen_random_uuid()::text,
       md5(s.n::text || 'a') || md5(s.n::text || 'b'),
       s.reporter_id, s.category, s.channel, s.status,
       (%(descriptions)s::jsonb ->> s.category) || '（压测数据 ' || s.n || '）',
       p.geom, s.accuracy_m, s.occurred_at, s.grid_id, s.village_id, s.assignee_id, NULL,
       s.version, s.seq + %(seq_base)s, s.created_at, s.updated_at, s.due_at, s.replied_at,
       s.closed_at, s.visited_at, s.satisfaction, s.review_requested_at
FROM bench_staging s
JOIN bench_grid_points p ON p.grid_id = s.grid_id AND p.j = s.point_j
LEFT JOIN bench_number_base c ON c.name = 'incidents.number.' || s.town_id || '.' || s.year
WHERE s.pick >= %(low)s AND s.pick < %(high)s
ORDER BY s.created_at
"""

# The counters the service takes numbers from: past every row of the pool, stored or not yet,
# so that reports filed through the API between sizes never collide with rows stored later.
SET_COUNTERS = """
INSERT INTO counters (name, value)
SELECT 'incidents.number.' || s.town_id || '.' || s.year, max(s.year_seq) + coalesce(max(c.value), 0)
FROM bench_staging s
LEFT JOIN bench_number_base c ON c.name = 'incidents.number.' || s.town_id || '.' || s.year
GROUP BY s.town_id, s.year
UNION ALL
SELECT 'incidents.change_seq', max(seq) + %(seq_base)s FROM bench_staging
ON CONFLICT (name) DO UPDATE SET value = greatest(counters.value, excluded.value)
"""


def prepare_pool(conn, total, t_end, center_ids):
    """Build the staging tables once: every incident of the largest size, decided in advance."""
    grids = conn.execute("SELECT count(*) FROM grids").fetchone()[0]
    seq_base = conn.execute(
        "SELECT coalesce((SELECT value FROM counters WHERE name = 'incidents.change_seq'), 0)"
    ).fetchone()[0]
    conn.execute("CREATE UNLOGGED TABLE bench_number_base AS "
                 "SELECT name, value FROM counters WHERE name LIKE 'incidents.number.%%'")
    values = {"grids": grids, "t_end": t_end, "span_s": YEARS * 365 * 86400, "total": total,
              "center_ids": center_ids, "points": POINTS_PER_GRID}
    for statement in (GRID_REFERENCE + STAGING).split(";\n"):
        if statement.strip():
            conn.execute(statement, {name: value for name, value in values.items()
                                     if f"%({name})s" in statement})
    return seq_base


def store(conn, low, high, seq_base):
    import json
    started = time.perf_counter()
    conn.execute(STORE, {"descriptions": json.dumps(DESCRIPTIONS, ensure_ascii=False),
                         "seq_base": seq_base, "low": low, "high": high})
    conn.execute(SET_COUNTERS, {"seq_base": seq_base})
    conn.commit()
    inserted = time.perf_counter()
    conn.autocommit = True
    conn.execute("VACUUM (ANALYZE) incidents")
    conn.execute("ANALYZE counters")
    conn.autocommit = False
    return inserted - started, time.perf_counter() - inserted


def check_integrity(conn):
    """The constraints the model declares hold (the database enforces them; this says so)."""
    row = conn.execute("""
        SELECT count(*), count(DISTINCT change_seq), count(DISTINCT (town_id, number)),
               count(DISTINCT (reporter_id, client_id)),
               (SELECT value FROM counters WHERE name = 'incidents.change_seq') >= max(change_seq)
        FROM incidents""").fetchone()
    return {"rows": row[0], "distinct_change_seq": row[1], "distinct_numbers": row[2],
            "distinct_reporter_client_ids": row[3], "change_seq_counter_past_max": row[4]}


def distribution(conn):
    def counts(column):
        return dict(conn.execute(f"SELECT {column}, count(*) FROM incidents GROUP BY 1 ORDER BY 2 DESC"))
    grid_counts = [row[0] for row in conn.execute(
        "SELECT count(*) FROM incidents GROUP BY grid_id ORDER BY 1")]
    return {"status": counts("status"), "category": counts("category"), "channel": counts("channel"),
            "per_grid_min_median_max": [grid_counts[0], grid_counts[len(grid_counts) // 2],
                                        grid_counts[-1]]}


# --- whom and what to ask ----------------------------------------------------------------------

def pick_users(conn):
    """center01; the level-4 worker of the busiest grid; the level-3 worker of the busiest village."""
    users = {"center01 (town-wide)": conn.execute(
        "SELECT id, username FROM users WHERE username = 'center01'").fetchone()}
    users["level 4 (busiest grid)"] = conn.execute("""
        SELECT u.id, u.username FROM users u JOIN worker_assignments wa ON wa.user_id = u.id
        WHERE wa.level = 4 AND wa.grid_id = (SELECT grid_id FROM incidents GROUP BY grid_id
                                              ORDER BY count(*) DESC, grid_id LIMIT 1)
        ORDER BY u.id LIMIT 1""").fetchone()
    users["level 3 (busiest village)"] = conn.execute("""
        SELECT u.id, u.username FROM users u JOIN worker_assignments wa ON wa.user_id = u.id
        WHERE wa.level = 3 AND wa.village_id = (SELECT village_id FROM incidents
                                                 GROUP BY village_id ORDER BY count(*) DESC,
                                                 village_id LIMIT 1)
        ORDER BY u.id LIMIT 1""").fetchone()
    return users


def scope_sql(conn, user_id):
    """The caller's area as SQL, as service.scope builds it (for choosing the deep cursor)."""
    rows = conn.execute("""
        SELECT level, village_id, grid_id FROM worker_assignments WHERE user_id = %s""",
                        (user_id,)).fetchall()
    roles = {row[0] for row in conn.execute("SELECT role FROM user_roles WHERE user_id = %s",
                                            (user_id,))}
    if roles & {"admin", "center_staff"} or any(level == 1 for level, _, _ in rows):
        return "TRUE", ()
    villages = sorted({v for level, v, _ in rows if level in (2, 3)})
    grids = sorted({g for level, _, g in rows if level == 4})
    parts = ["reporter_id = %s", "assignee_id = %s"]
    params = [user_id, user_id]
    if villages:
        parts.append("village_id = ANY(%s)")
        params.append(villages)
    if grids:
        parts.append("grid_id = ANY(%s)")
        params.append(grids)
    return "(" + " OR ".join(parts) + ")", tuple(params)


def deep_cursor(conn, user_id):
    """A cursor at the middle of the caller's rows, newest first, encoded as the service does."""
    from service.pagination import encode_cursor
    condition, params = scope_sql(conn, user_id)
    visible = conn.execute(f"SELECT count(*) FROM incidents WHERE {condition}", params).fetchone()[0]
    created_at, incident_id = conn.execute(
        f"SELECT created_at, id FROM incidents WHERE {condition} "
        f"ORDER BY created_at DESC, id DESC OFFSET %s LIMIT 1", (*params, visible // 2)).fetchone()
    return encode_cursor([created_at.astimezone(timezone.utc), incident_id]), visible


def sync_since(conn):
    newest = conn.execute("SELECT max(updated_at) FROM incidents").fetchone()[0]
    return (newest - timedelta(hours=24)).astimezone(timezone(timedelta(hours=8)))


# --- timing ------------------------------------------------------------------------------------

def time_requests(session, url, params, count, warmup):
    times, answer = timed_gets(session, url, params, count, warmup, timeout=30)
    body = answer.json()
    return {"p50_ms": percentile(times, 50), "p90_ms": percentile(times, 90),
            "p99_ms": percentile(times, 99), "max_ms": max(times), "requests": count,
            "items": len(body["items"]), "has_next": body["next_cursor"] is not None}


def time_open311_search(session, base, count, warmup):
    """GET georeport/v2/requests.json as Open311 clients ask it: the last 90 days, at most
    1,000 requests, newest first."""
    times, answer = timed_gets(session, f"{base}/georeport/v2/requests.json", {}, count, warmup,
                               timeout=60)
    return {"p50_ms": percentile(times, 50), "p99_ms": percentile(times, 99),
            "max_ms": max(times), "requests": count, "items": len(answer.json())}


_APPS = {}


def in_process_app(database_url):
    if database_url not in _APPS:
        os.environ["DATABASE_URL"] = database_url
        os.environ["APP_ENV"] = "development"
        from service import create_app
        _APPS[database_url] = create_app()
    return _APPS[database_url]


def captured_sql(database_url, username, params):
    """The statement the service runs for GET /incidents with ``params`` as ``username``, taken
    from an in-process app on the same database, and its EXPLAIN (ANALYZE, BUFFERS)."""
    from sqlalchemy import event

    from service.extensions import db
    app = in_process_app(database_url)
    statements = []
    with app.app_context():
        engine = db.engine

        def capture(conn, cursor, statement, parameters, context, executemany):
            if "FROM incidents" in statement and "ORDER BY" in statement:
                statements.append((statement, parameters))

        event.listen(engine, "before_cursor_execute", capture)
        client = app.test_client()
        token = client.post("/api/v1/auth/login",
                            json={"username": username, "password": "songyuan-demo"}).get_json()
        answer = client.get("/api/v1/incidents", query_string=params,
                            headers={"Authorization": f"Bearer {token['access_token']}"})
        assert answer.status_code == 200, answer.get_data(as_text=True)
        event.remove(engine, "before_cursor_execute", capture)
        statement, parameters = statements[-1]
        with engine.connect() as conn:
            plan = [row[0] for row in conn.exec_driver_sql(
                "EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)]
        db.session.remove()
    return {"sql": statement, "parameters": {k: str(v) for k, v in parameters.items()},
            "plan": plan, "rows_touched": rows_touched(plan)}


def plan_time(plan, phase):
    """'0.203 ms' from the ``phase`` ('Planning' or 'Execution') Time line of an EXPLAIN ANALYZE."""
    line = next((line for line in plan if line.startswith(f"{phase} Time")), "")
    return line.split(":")[-1].strip()


def rows_touched(plan):
    """Rows the statement's plan nodes produced and threw away, summed over the nodes (each
    ``rows × loops``, plus the rows removed by filters and rechecks): what a page costs the
    database, independent of the machine's speed and of where the rows lie on disk."""
    touched = 0
    for line in plan:
        node = re.search(r"actual time=[\d.]+\.\.[\d.]+ rows=(\d+) loops=(\d+)", line)
        if node:
            touched += int(node[1]) * int(node[2])
        removed = re.search(r"Rows Removed by (?:Filter|Index Recheck|Join Filter): (\d+)", line)
        if removed:
            touched += int(removed[1])
    return touched


def unflat_pages(results, growth=FLAT_GROWTH, slack=FLAT_SLACK):
    """Queries whose plan touched more rows at the largest size than ``growth`` times (plus
    ``slack``) at the smallest: a plan that sorts or filters rows in proportion to the table
    instead of walking an index and stopping after the page. Rows, not time: the same plan
    touches the same rows on any machine, so this can be checked anywhere.

    A page that is not full at the smallest size (fewer changes in a sync's window than a page)
    touches fewer rows for that alone: its count is scaled up to the larger page's items.
    A page with ``backlog_rows`` (BACKLOG_SQL) is held instead to every row of that backlog plus,
    for each item it shows, what the caller's first page at the same size cost per item (its
    small-size page may have been empty: nothing to scale)."""
    first, last = results[0], results[-1]
    before = {(item["user"], item["query"]): item for item in first["queries"]}
    first_pages = {item["user"]: item for item in last["queries"] if item["query"] == QUERIES[0]}
    unflat = []
    for item in last["queries"]:
        small = before[(item["user"], item["query"])]
        if "backlog_rows" in item:
            page = first_pages[item["user"]]
            per_item = page["rows_touched"] / max(page["items"], 1)
            expected = item["backlog_rows"] + per_item * item["items"]
        else:
            expected = small["rows_touched"] * max(1.0, item["items"] / max(small["items"], 1))
        if item["rows_touched"] > growth * expected + slack:
            unflat.append((item["user"], item["query"], small["rows_touched"], item["rows_touched"]))
    return unflat


def file_one_report(base, token, conn):
    """New reports continue after the bulk rows: one report through the API, its number checked."""
    lon, lat = conn.execute(
        "SELECT ST_X(geom), ST_Y(geom) FROM bench_grid_points ORDER BY grid_id, j LIMIT 1").fetchone()
    answer = requests.post(f"{base}/incidents", timeout=30,
                           headers={"Authorization": f"Bearer {token}"},
                           json={"client_id": str(uuid.uuid4()), "category": "safety_hazard",
                                 "description": "批量数据之后的新上报",
                                 "location": {"type": "Point", "coordinates": [lon, lat]}})
    assert answer.status_code == 201, answer.text
    body = answer.json()
    year = body["number"][2:6]
    previous = conn.execute(
        "SELECT max(number) FROM incidents WHERE number LIKE %s AND id <> %s",
        (f"SJ{year}%", body["id"])).fetchone()[0]
    conn.commit()
    return {"status": answer.status_code, "number": body["number"], "previous_max": previous,
            "continues": previous is None or body["number"] > previous}


# --- main --------------------------------------------------------------------------------------

QUERIES = ("first page", "deep page (cursor)", "open reports (status=reported)",
           "sync (updated_after)", "overdue (overdue=true)", *AWAITING_QUERIES.values(), *MINE)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--requests", type=int, default=200, help="timed requests per query")
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    parser.add_argument("--idle-below", type=float, default=0.25,
                        help="before each size wait until the machine's CPU is less busy than this")
    parser.add_argument("--idle-wait", type=float, default=300,
                        help="… but no longer than this many seconds")
    parser.add_argument("--postgres-url", default=None)
    parser.add_argument("--check-flat", action="store_true",
                        help="exit 1 if a page's plan touches more pages as the table grows "
                             f"(more than {FLAT_GROWTH}× + {FLAT_SLACK} rows from the smallest "
                             "size to the largest)")
    return parser.parse_args(argv)


def main(argv=None):
    exit_on_sigterm()
    args = parse_args(argv)
    sizes = [int(size) for size in args.sizes.split(",")]
    host = machine()
    results = []
    with scratch_postgis("sync", args.postgres_url) as database_url, \
            tempfile.TemporaryDirectory(prefix="bench_sync_") as workdir:
        plain_url = plain(database_url)
        flask_setup(database_url)
        conn = psycopg.connect(plain_url)
        center_ids = [row[0] for row in conn.execute(
            "SELECT u.id FROM users u JOIN user_roles r ON r.user_id = u.id "
            "WHERE r.role = 'center_staff' ORDER BY u.id")]
        t_end = datetime.now(timezone.utc)
        started = time.perf_counter()
        seq_base = prepare_pool(conn, max(sizes), t_end, center_ids)
        conn.commit()
        print(f"pool of {max(sizes):,} generated in {time.perf_counter() - started:.0f} s",
              file=sys.stderr, flush=True)
        env = server_env(database_url, PHOTO_DIR=str(Path(workdir) / "photos"))
        with Gunicorn(env, workers=args.workers, log_path=Path(workdir) / "gunicorn.log") as server:
            server.wait_ready()
            stored = 0
            for size in sizes:
                insert_s, vacuum_s = store(conn, stored, size, seq_base)
                stored = size
                integrity = check_integrity(conn)
                users = pick_users(conn)
                since = sync_since(conn)
                size_result = {"size": size, "insert_s": insert_s, "vacuum_analyze_s": vacuum_s,
                               "integrity": integrity, "distribution": distribution(conn),
                               "updated_after": since.isoformat(), "queries": [],
                               "open311": []}
                print(f"{size:,} stored (insert {insert_s:.0f} s, vacuum+analyze {vacuum_s:.0f} s)",
                      file=sys.stderr, flush=True)
                size_result["machine_busy_before"] = wait_for_idle_cpu(
                    args.idle_below, args.idle_wait,
                    log=lambda line: print(line, file=sys.stderr, flush=True))
                for label, (user_id, username) in users.items():
                    session = signed_in_session(server.base, username)
                    cursor, visible = deep_cursor(conn, user_id)
                    conn.commit()
                    asks = {"first page": {"limit": 50},
                            "deep page (cursor)": {"limit": 50, "cursor": cursor},
                            "open reports (status=reported)": {"limit": 50, "status": "reported"},
                            "sync (updated_after)": {"limit": 50, "updated_after": since.isoformat()},
                            "overdue (overdue=true)": {"limit": 50, "overdue": "true"},
                            **{query: {"limit": 50, "awaiting": name}
                               for name, query in AWAITING_QUERIES.items()},
                            **{query: {"limit": 50, **params} for query, params in MINE.items()}}
                    for query, params in asks.items():
                        timing = time_requests(session, f"{server.base}/incidents", params,
                                               args.requests, args.warmup)
                        explained = captured_sql(database_url, username, params)
                        backlog = {"backlog_rows": conn.execute(BACKLOG_SQL[query]).fetchone()[0]
                                   } if query in BACKLOG_SQL else {}
                        conn.commit()
                        size_result["queries"].append({
                            "user": label, "username": username, "visible_rows": visible,
                            "query": query, "params": params, **timing, **explained, **backlog})
                        print(f"  {label} {query}: p50 {timing['p50_ms']:.1f} ms, "
                              f"p99 {timing['p99_ms']:.1f} ms ({timing['items']} items)",
                              file=sys.stderr, flush=True)
                    size_result["open311"].append({"user": label, **time_open311_search(
                        session, server.base, args.requests, args.warmup)})
                    print(f"  {label} Open311 search: p50 "
                          f"{size_result['open311'][-1]['p50_ms']:.1f} ms, p99 "
                          f"{size_result['open311'][-1]['p99_ms']:.1f} ms "
                          f"({size_result['open311'][-1]['items']} requests)",
                          file=sys.stderr, flush=True)
                size_result["new_report"] = file_one_report(server.base, login(
                    server.base, users["level 4 (busiest grid)"][1]), conn)
                results.append(size_result)
            rss = server.worker_rss_mb()
        database = postgres_version(plain_url)
        conn.close()

    print(f"\n### List and sync pages (GET /incidents, limit=50), {args.requests} sequential "
          f"requests each, gunicorn -w {args.workers}\n")
    headers = ["stored", "caller", "rows visible"]
    for query in QUERIES:
        headers += [f"{query} p50 ms", f"{query} p99 ms"]
    rows = []
    for size_result in results:
        by_user = {}
        for item in size_result["queries"]:
            by_user.setdefault(item["user"], {})[item["query"]] = item
        for user, items in by_user.items():
            row = [f"{size_result['size']:,}", user, f"{items[QUERIES[0]]['visible_rows']:,}"]
            for query in QUERIES:
                p99 = items[query]["p99_ms"]
                row += [fmt(items[query]["p50_ms"]),
                        fmt(p99) if p99 <= TARGET_P99_MS else f"**{fmt(p99)}**"]
            rows.append(row)
    print(markdown_table(headers, rows))
    print("\n### Open311 search (GET /georeport/v2/requests.json: the last 90 days, at most "
          "1,000 requests)\n")
    print(markdown_table(["stored", "caller", "requests answered", "p50 ms", "p99 ms"], [
        [f"{size_result['size']:,}", item["user"], f"{item['items']:,}", fmt(item["p50_ms"]),
         fmt(item["p99_ms"])] for size_result in results for item in size_result["open311"]]))
    print("\nDatabase time of the same statements (EXPLAIN ANALYZE: planning and execution):\n")
    plan_rows = []
    for size_result in results:
        for item in size_result["queries"]:
            plan_rows.append([f"{size_result['size']:,}", item["user"], item["query"],
                              plan_time(item["plan"], "Planning"),
                              plan_time(item["plan"], "Execution"), f"{item['rows_touched']:,}",
                              item["plan"][0][:90]])
    print(markdown_table(["stored", "caller", "query", "planning", "execution", "rows touched",
                          "top plan node"],
                         plan_rows))
    slow = [(size_result["size"], item) for size_result in results for item in size_result["queries"]
            if item["p99_ms"] > TARGET_P99_MS]
    for size, item in slow[-3:]:
        print(f"\nSlow: {size:,} rows, {item['user']}, {item['query']} — p99 {item['p99_ms']:.1f} ms."
              f" EXPLAIN ANALYZE:\n```\n" + "\n".join(item["plan"]) + "\n```")
    for size_result in results:
        print(f"\n{size_result['size']:,}: insert {size_result['insert_s']:.0f} s, "
              f"integrity {size_result['integrity']}, new report {size_result['new_report']}, "
              f"per grid min/median/max {size_result['distribution']['per_grid_min_median_max']}")
    print(f"\nWorker RSS after the run (MB): {', '.join(f'{v:.0f}' for v in rss.values() if v)}")
    print(f"\nMachine: {host['cores']} cores, {host['cpu']}, Python {host['python']}, {database}; "
          f"{host['date']}; load average at start {host['loadavg_at_start']}.")
    output = write_results("sync", {"machine": host, "database": database, "args": vars(args),
                                    "worker_rss_mb": rss, "results": results})
    print(f"\nresults: {output}")
    if args.check_flat and len(results) > 1:
        unflat = unflat_pages(results)
        for user, query, before, after in unflat:
            print(f"NOT FLAT: {user}, {query}: its plan touches {before:,} rows at "
                  f"{sizes[0]:,} incidents, {after:,} at {sizes[-1]:,}", file=sys.stderr)
        if unflat:
            sys.exit(1)
        print(f"flat: every page's plan touches at most {FLAT_GROWTH}× + {FLAT_SLACK} rows at "
              f"{sizes[-1]:,} incidents as at {sizes[0]:,}", file=sys.stderr)


if __name__ == "__main__":
    main()
