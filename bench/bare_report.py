"""The service's report, statement for statement, in plain psycopg: the floor of the work itself.

bench/report.py compares the service with bare_app.py, which does one INSERT. This endpoint does
what a report needs and nothing more, on one pooled psycopg connection with prepared statements
and no framework: verify the JWT (PyJWT, the service's key), read the token and its holder's roles,
assignments and committee memberships, look for possible duplicates in the holder's area, find
the grid, take the case number and the change number, INSERT the incident ON CONFLICT DO NOTHING,
append the case-record entry, commit, answer 201 with the incident. The SQL is the service's own
(as SQLAlchemy sends it for a level-4 worker). What it costs is what any implementation of the
same rules on this schema pays; the service's distance from it is the framework's share.

    BENCH_BARE_DSN=postgresql://… gunicorn -w 2 'bench.bare_report:app'
"""
import uuid
from datetime import datetime, timezone

import jwt

from bench.bare_app import POOL, json_app
from config import load_config
from geo.nearby import nearby_parameters
from service.incidents.actions import request_hash
from service.incidents.queries import DUPLICATE_LIMIT, DUPLICATE_RADIUS_M, DUPLICATE_WINDOW
from service.models.incidents import OPEN_STATUSES
from service.schema_base import TOWN_TIME_ZONE

# The service's rules and helpers are imported (constants and plain functions, at start-up);
# what a request runs is psycopg and the SQL below.
SECRET = load_config("development").JWT_SECRET_KEY

HOLDER = """
SELECT t.revoked_at, u.id, u.name, u.active, r.role, a.level, a.village_id, a.grid_id,
       m.committee_id, m.is_head
FROM issued_tokens t JOIN users u ON u.id = t.user_id
LEFT JOIN user_roles r ON r.user_id = u.id
LEFT JOIN worker_assignments a ON a.user_id = u.id
LEFT JOIN committee_members m ON m.user_id = u.id
WHERE t.jti = %(jti)s"""

# A level-4 worker's area: their grids and their own reports (the bench signs in level-4 workers),
# given as SQL for their grid ids and their user id.
DUPLICATES_IN_AREA = """
SELECT id, number, category, status, created_at,
       ST_Distance(geography(location),
                   geography(ST_SetSRID(ST_MakePoint(%(nearby_lon)s, %(nearby_lat)s), 4326)))
           AS distance_m
FROM incidents
WHERE (grid_id = ANY({grid_ids}) OR reporter_id = {user_id} OR assignee_id = {user_id})
  AND status = ANY(%(open)s) AND location IS NOT NULL
  AND location && ST_MakeEnvelope(%(nearby_west)s, %(nearby_south)s, %(nearby_east)s,
                                  %(nearby_north)s, 4326)
  AND ST_DWithin(geography(location),
                 geography(ST_SetSRID(ST_MakePoint(%(nearby_lon)s, %(nearby_lat)s), 4326)),
                 %(nearby_metres)s)
  AND category = %(category)s AND created_at >= %(since)s
ORDER BY distance_m, id LIMIT %(limit)s"""
DUPLICATES = DUPLICATES_IN_AREA.format(grid_ids="%(grid_ids)s", user_id="%(user_id)s")

GRID = """
SELECT g.id, g.town_id, g.village_id, g.code, g.name, v.code, v.name
FROM grids g JOIN villages v ON v.id = g.village_id
WHERE g.id = (SELECT id FROM grids
              WHERE ST_Intersects(boundary, ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326))
              ORDER BY code LIMIT 1)"""

COUNTERS = """
INSERT INTO counters (name, value) VALUES (%(number)s, 1), ('incidents.change_seq', 1)
ON CONFLICT (name) DO UPDATE SET value = counters.value + 1 RETURNING name, value"""

INCIDENT = """
INSERT INTO incidents (town_id, number, client_id, request_hash, reporter_id, category, channel,
                       status, description, location, accuracy_m, occurred_at, grid_id,
                       village_id, version, change_seq, created_at, updated_at)
VALUES (%(town_id)s, %(number)s, %(client_id)s, %(request_hash)s, %(reporter_id)s, %(category)s,
        'grid_worker', 'reported', %(description)s,
        ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326), NULL, %(now)s, %(grid_id)s,
        %(village_id)s, 1, %(change_seq)s, %(now)s, %(updated_at)s)
ON CONFLICT (reporter_id, client_id) DO NOTHING RETURNING id"""

EVENT = """
INSERT INTO incident_events (incident_id, actor_id, action, from_status, to_status, created_at)
VALUES (%(incident_id)s, %(actor_id)s, 'report', NULL, 'reported', %(created_at)s)"""


def parse(token, body):
    """The report's inputs: the verified claims and the body's fields, or None when bad."""
    try:
        claims = jwt.decode(token, SECRET, algorithms=["HS256"])
        lon, lat = (float(value) for value in body["location"]["coordinates"])
        return {"jti": claims["jti"], "lon": lon, "lat": lat,
                "client_id": str(uuid.UUID(body["client_id"])), "category": body["category"],
                "description": body["description"].strip(), "request_hash": request_hash(body)}
    except (jwt.PyJWTError, ValueError, KeyError, TypeError):
        return None


def duplicate_parameters(inputs, now):
    return {"open": list(OPEN_STATUSES), "category": inputs["category"],
            "since": now - DUPLICATE_WINDOW, "limit": DUPLICATE_LIMIT,
            **nearby_parameters(inputs["lon"], inputs["lat"], DUPLICATE_RADIUS_M)}


def town_time(moment):
    return moment.astimezone(TOWN_TIME_ZONE).isoformat()


def answer(inputs, stored, grid, holder, duplicates):
    """The 201 body: ``stored`` (id, number, created_at, updated_at); ``grid`` (id, code, name,
    village id, code, name); ``holder`` (id, name); ``duplicates`` (id, number, category,
    status, created_at, distance_m) rows."""
    incident_id, number, created_at, updated_at = stored
    return {
        "id": incident_id, "number": number, "client_id": inputs["client_id"],
        "category": inputs["category"], "channel": "grid_worker", "status": "reported",
        "description": inputs["description"],
        "grid": {"id": grid[0], "code": grid[1], "name": grid[2]},
        "village": {"id": grid[3], "code": grid[4], "name": grid[5]},
        "location": {"type": "Point", "coordinates": [inputs["lon"], inputs["lat"]]},
        "accuracy_m": None, "occurred_at": town_time(created_at),
        "reporter": {"id": holder[0], "name": holder[1]}, "assignee": None,
        "created_at": town_time(created_at), "updated_at": town_time(updated_at), "version": 1,
        "dispute_id": None, "photos": [],
        "possible_duplicates": [{"id": row[0], "number": row[1], "category": row[2],
                                 "status": row[3], "distance_m": round(float(row[5]), 1),
                                 "created_at": town_time(row[4])} for row in duplicates]}


def report(token, body):
    """(HTTP status, answer) for one report: the service's statements, one transaction."""
    inputs = parse(token, body)
    if inputs is None:
        return 400, {"code": "bad_request"}
    conn = POOL.get()
    try:
        with conn.transaction():
            rows = conn.execute(HOLDER, {"jti": inputs["jti"]}).fetchall()
            if not rows or rows[0][0] is not None or not rows[0][3]:
                return 401, {"code": "unauthorized"}
            user_id, user_name = rows[0][1], rows[0][2]
            grid_ids = sorted({row[7] for row in rows if row[5] == 4})
            now = datetime.now(timezone.utc)
            duplicates = conn.execute(DUPLICATES, {
                "grid_ids": grid_ids, "user_id": user_id,
                **duplicate_parameters(inputs, now)}).fetchall()
            grid = conn.execute(GRID, inputs).fetchone()
            if grid is None:
                return 422, {"code": "outside_area"}
            grid_id, town_id, village_id = grid[0], grid[1], grid[2]
            year = now.astimezone(TOWN_TIME_ZONE).year
            number_name = f"incidents.number.{town_id}.{year}"
            values = dict(conn.execute(COUNTERS, {"number": number_name}).fetchall())
            number = f"SJ{year}{values[number_name]:06d}"
            updated_at = datetime.now(timezone.utc)
            stored = conn.execute(INCIDENT, {
                **inputs, "town_id": town_id, "number": number, "reporter_id": user_id,
                "now": now, "grid_id": grid_id, "village_id": village_id,
                "change_seq": values["incidents.change_seq"], "updated_at": updated_at}).fetchone()
            if stored is None:
                return 200, {"code": "replayed"}
            conn.execute(EVENT, {"incident_id": stored[0], "actor_id": user_id,
                                 "created_at": updated_at})
    finally:
        POOL.put(conn)
    return 201, answer(inputs, (stored[0], number, now, updated_at),
                       (grid_id, grid[3], grid[4], village_id, grid[5], grid[6]),
                       (user_id, user_name), duplicates)


app = json_app(lambda environ, body: report(
    environ.get("HTTP_AUTHORIZATION", "").removeprefix("Bearer "), body))
