"""The service's report as one SQL statement in plain psycopg: the lowest floor of the work.

bench/bare_report.py sends the report's statements one by one inside a transaction (BEGIN, token
and holder, duplicates, grid, counters, INSERT, case record, COMMIT: eight round trips). Here the
same work is one data-modifying statement (CTEs), sent in autocommit: one round trip per report,
prepared after the first few, the JWT verified with PyJWT, no framework. It keeps fewer promises
than the service (a replay spends a case number; ``updated_at`` is the statement's clock, not read
after the change-number lock) and knows only the level-4 scope, so no implementation of the
service's rules on this schema does less work per report. What it reaches, relative to bare_app.py
in the same run, bounds what any implementation can.

    BENCH_BARE_DSN=postgresql://… gunicorn -w 2 'bench.bare_report_one_statement:app'
    BENCH_BARE_DSN=postgresql://… gunicorn -w 2 'bench.bare_report_one_statement:flask_app'

``flask_app`` is the same inside a bare Flask app (the first part of the service's stack).
"""
from datetime import datetime, timezone

from bench.bare_app import POOL, flask_json_app, json_app
from bench.bare_report import DUPLICATES_IN_AREA, GRID, answer, duplicate_parameters, parse
from service.schema_base import TOWN_TIME_ZONE

# bench/bare_report's grid and duplicates statements, the holder's id and grids read in SQL.
_HOLDER_ID = "(SELECT id FROM holder)"
_DUPLICATES = DUPLICATES_IN_AREA.format(
    grid_ids=f"ARRAY(SELECT grid_id FROM worker_assignments WHERE user_id = {_HOLDER_ID} "
             "AND level = 4)",
    user_id=_HOLDER_ID)
REPORT = f"""
WITH holder AS (
    SELECT u.id, u.name FROM issued_tokens t JOIN users u ON u.id = t.user_id
    WHERE t.jti = %(jti)s AND t.revoked_at IS NULL AND u.active),
grid (id, town_id, village_id, code, name, village_code, village_name) AS ({GRID}),
duplicates AS ({_DUPLICATES}),
numbered AS (
    INSERT INTO counters (name, value)
    SELECT 'incidents.number.' || grid.town_id || '.' || %(year)s, 1 FROM grid, holder
    ON CONFLICT (name) DO UPDATE SET value = counters.value + 1 RETURNING value),
changed AS (
    INSERT INTO counters (name, value)
    SELECT 'incidents.change_seq', 1 FROM numbered
    ON CONFLICT (name) DO UPDATE SET value = counters.value + 1 RETURNING value),
stored AS (
    INSERT INTO incidents (town_id, number, client_id, request_hash, reporter_id, category,
                           channel, status, description, location, accuracy_m, occurred_at,
                           grid_id, village_id, version, change_seq, created_at, updated_at)
    SELECT grid.town_id, 'SJ' || %(year)s || lpad(numbered.value::text, 6, '0'), %(client_id)s,
           %(request_hash)s, holder.id, %(category)s, 'grid_worker', 'reported',
           %(description)s, ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326), NULL, %(now)s,
           grid.id, grid.village_id, 1, changed.value, %(now)s, clock_timestamp()
    FROM holder, grid, numbered, changed
    ON CONFLICT (reporter_id, client_id) DO NOTHING
    RETURNING id, number, created_at, updated_at),
recorded AS (
    INSERT INTO incident_events (incident_id, actor_id, action, from_status, to_status, created_at)
    SELECT stored.id, holder.id, 'report', NULL, 'reported', stored.updated_at
    FROM stored, holder)
SELECT holder.id, holder.name, grid.id, grid.code, grid.name, grid.village_id, grid.village_code,
       grid.village_name, stored.id, stored.number, stored.created_at, stored.updated_at,
       (SELECT coalesce(json_agg(json_build_array(d.id, d.number, d.category, d.status,
                                                  d.created_at, d.distance_m)
                                 ORDER BY d.distance_m, d.id), '[]')
        FROM duplicates d)
FROM holder LEFT JOIN grid ON true LEFT JOIN stored ON true"""


def report(token, body):
    """(HTTP status, answer) for one report: one statement, committed on its own."""
    inputs = parse(token, body)
    if inputs is None:
        return 400, {"code": "bad_request"}
    now = datetime.now(timezone.utc)
    conn = POOL.get()
    try:
        row = conn.execute(REPORT, {**inputs, **duplicate_parameters(inputs, now), "now": now,
                                    "year": str(now.astimezone(TOWN_TIME_ZONE).year)}).fetchone()
    finally:
        POOL.put(conn)
    if row is None:
        return 401, {"code": "unauthorized"}
    if row[2] is None:
        return 422, {"code": "outside_area"}
    if row[8] is None:
        return 200, {"code": "replayed"}
    duplicates = [(d[0], d[1], d[2], d[3], datetime.fromisoformat(d[4]), d[5]) for d in row[12]]
    return 201, answer(inputs, row[8:12], row[2:8], row[:2], duplicates)


def handle(environ, body):
    return report(environ.get("HTTP_AUTHORIZATION", "").removeprefix("Bearer "), body)


app = json_app(handle)
flask_app = flask_json_app(__name__, "/incidents", handle)
