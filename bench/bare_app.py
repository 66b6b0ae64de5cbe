"""The bare baselines for bench/report.py: the essential work of a report and nothing else.

Per request: parse the JSON body, take a pooled psycopg connection, INSERT the point into
bench_points with its grid looked up by ST_Contains against the service's own grids table
(one statement, committed), answer 201 with {id, grid_id}. No auth, no validation, no ORM.
``app`` is plain WSGI; ``flask_app`` does the same inside a bare Flask app, to show what the
framework alone costs per request.

    BENCH_BARE_DSN=postgresql://… gunicorn -w 3 'bench.bare_app:app'
    BENCH_BARE_DSN=postgresql://… gunicorn -w 3 'bench.bare_app:flask_app'

The table is created by bench/report.py (CREATE_TABLE below).
"""
import json
import os
import queue
import threading

import psycopg
from flask import Flask, request

CREATE_TABLE = """
CREATE TABLE IF NOT EXISTS bench_points (
    id bigserial PRIMARY KEY,
    client_id uuid NOT NULL,
    description text NOT NULL,
    location geometry(Point, 4326) NOT NULL,
    grid_id integer REFERENCES grids (id),
    created_at timestamptz NOT NULL DEFAULT now()
)"""

INSERT = """
INSERT INTO bench_points (client_id, description, location, grid_id)
SELECT %(client_id)s, %(description)s, pt,
       (SELECT id FROM grids WHERE ST_Contains(boundary, pt) ORDER BY code LIMIT 1)
FROM (SELECT ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326) AS pt) AS p
RETURNING id, grid_id"""


class Pool:
    """A minimal connection pool, opened lazily in each (forked) worker process."""

    def __init__(self, dsn, size=4):
        self.dsn = dsn
        self.idle = queue.LifoQueue()
        self.size = size
        self.opened = 0
        self.lock = threading.Lock()

    def get(self):
        try:
            return self.idle.get_nowait()
        except queue.Empty:
            with self.lock:
                if self.opened < self.size:
                    self.opened += 1
                    return psycopg.connect(self.dsn, autocommit=True)
            return self.idle.get()

    def put(self, conn):
        if conn.closed:
            with self.lock:
                self.opened -= 1
        else:
            self.idle.put(conn)


POOL = Pool(os.environ.get("BENCH_BARE_DSN", "postgresql://postgres@127.0.0.1/postgres"))


def _answer(start_response, status, body):
    data = json.dumps(body).encode()
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(data)))])
    return [data]


def insert_point(body):
    """(HTTP status, answer) for one report body."""
    try:
        lon, lat = body["location"]["coordinates"]
        params = {"client_id": body["client_id"], "description": body["description"],
                  "lon": float(lon), "lat": float(lat)}
    except (ValueError, KeyError, TypeError):
        return 400, {"code": "bad_json"}
    conn = POOL.get()
    try:
        point_id, grid_id = conn.execute(INSERT, params).fetchone()
    finally:
        POOL.put(conn)
    if grid_id is None:
        return 422, {"code": "outside_area"}
    return 201, {"id": point_id, "grid_id": grid_id}


STATUS_LINES = {200: "200 OK", 201: "201 Created", 400: "400 Bad Request",
                401: "401 Unauthorized", 422: "422 Unprocessable Entity"}


def json_app(handle):
    """A plain WSGI app: GET /health, and any other request's JSON body to
    ``handle(environ, body)`` → (HTTP status, answer)."""
    def wsgi(environ, start_response):
        if environ.get("PATH_INFO") == "/health":
            return _answer(start_response, STATUS_LINES[200], {"status": "ok"})
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
            body = json.loads(environ["wsgi.input"].read(length))
        except ValueError:
            return _answer(start_response, STATUS_LINES[400], {"code": "bad_json"})
        status, answer = handle(environ, body)
        return _answer(start_response, STATUS_LINES[status], answer)

    return wsgi


app = json_app(lambda _environ, body: insert_point(body))


def flask_json_app(name, path, handle):
    """``json_app`` inside a bare Flask app: GET /health, and POST ``path``'s JSON body to
    ``handle(environ, body)``. What the framework alone adds to the same work."""
    flask = Flask(name)
    flask.get("/health")(lambda: {"status": "ok"})

    @flask.post(path)
    def _post():
        status, answer = handle(request.environ, request.get_json(silent=True) or {})
        return answer, status

    return flask


flask_app = flask_json_app(__name__, "/points", lambda _environ, body: insert_point(body))
