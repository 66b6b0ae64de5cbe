"""Shared helpers for the benchmarks (report, sync, reliability) and tests/test_reliability.py.

Scratch PostGIS databases, `flask --app service setup`, a gunicorn subprocess with its worker
pids and memory, signing demo users in, percentiles, Markdown tables and the results files.
Nothing here imports the service: the benchmarks talk to it over HTTP and SQL only.
"""
import json
import os
import platform
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import psycopg
import requests
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
RESULTS_DIR = Path(__file__).resolve().parent / "results"
DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1/postgres"
PASSWORD = "songyuan-demo"
API = "/api/v1"


# --- the machine -------------------------------------------------------------------------------

def loadavg():
    with open("/proc/loadavg", encoding="ascii") as file:
        return [float(value) for value in file.read().split()[:3]]


def machine():
    """Cores, CPU model, Python, date — and the load average, since the machine may be shared."""
    cpu = platform.processor()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            cpu = next((line.split(":", 1)[1].strip() for line in cpuinfo
                        if line.startswith("model name")), cpu)
    except OSError:
        pass
    return {"cores": os.cpu_count(), "cpu": cpu, "python": platform.python_version(),
            "date": datetime.now().astimezone().isoformat(timespec="seconds"),
            "loadavg_at_start": loadavg()}


def postgres_version(plain_url):
    with psycopg.connect(plain_url) as conn:
        return conn.execute("SELECT 'PostgreSQL ' || current_setting('server_version') "
                            "|| ', PostGIS ' || postgis_lib_version()").fetchone()[0]


# --- scratch databases -------------------------------------------------------------------------

def plain(url):
    """A SQLAlchemy URL as a libpq connection string for psycopg."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@contextmanager
def scratch_postgis(name, server_url=None):
    """A new database ``bench_<name>_<pid>`` with PostGIS; yields its SQLAlchemy URL; dropped after."""
    server = make_url(server_url or os.environ.get("BENCH_POSTGRES_URL", DEFAULT_POSTGRES_URL))
    database = f"bench_{name}_{os.getpid()}"
    admin = plain(server.set(database="postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{database}"')
    url = server.set(drivername="postgresql+psycopg", database=database) \
        .render_as_string(hide_password=False)
    try:
        with psycopg.connect(plain(url), autocommit=True) as conn:
            conn.execute("CREATE EXTENSION postgis")
        yield url
    finally:
        if os.environ.get("BENCH_KEEP_DATABASE"):
            print(f"(kept database {database})", file=sys.stderr)
        else:
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def server_env(database_url, **extra):
    env = {**os.environ, "DATABASE_URL": database_url, "APP_ENV": "development", **extra}
    for name in ("SECRET_KEY", "PERSONAL_DATA_KEY"):
        env.pop(name, None)
    return env


def flask_setup(database_url):
    """`flask --app service setup`: the migrations and the demo town."""
    subprocess.run([sys.executable, "-m", "flask", "--app", "service", "setup", "--no-replay"], cwd=ROOT,
                   env=server_env(database_url), check=True, capture_output=True)


# --- gunicorn ----------------------------------------------------------------------------------

def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def children(pid):
    """The pids whose parent is ``pid``."""
    try:
        with open(f"/proc/{pid}/task/{pid}/children", encoding="ascii") as file:
            return [int(child) for child in file.read().split()]
    except OSError:
        pass
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", encoding="utf-8", errors="replace") as file:
                    fields = file.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry))
    return found


def rss_mb(pid):
    """Resident set size of a process in MiB (VmRSS), or None when it is gone."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as file:
            for line in file:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


class Gunicorn:
    """gunicorn serving ``app`` (default the service) on a free port, in its own process group."""

    def __init__(self, env, app="service:create_app()", workers=2, threads=1, log_path=None,
                 extra_args=(), start_timeout=60):
        self.port = free_port()
        self.root = f"http://127.0.0.1:{self.port}"
        self.base = self.root + API
        self.workers = workers
        self.log_path = Path(log_path) if log_path else None
        self.log = open(self.log_path, "wb") if self.log_path else subprocess.DEVNULL
        args = [sys.executable, "-m", "gunicorn", "-w", str(workers), "-b",
                f"127.0.0.1:{self.port}", "--graceful-timeout", "10", *extra_args]
        if threads > 1:
            args += ["--threads", str(threads)]
        self.process = subprocess.Popen([*args, app], cwd=ROOT, env=env, stdout=self.log,
                                        stderr=subprocess.STDOUT, start_new_session=True)
        self.start_timeout = start_timeout

    @property
    def pid(self):
        return self.process.pid

    def output(self):
        if not self.log_path:
            return ""
        if not self.log.closed:
            self.log.flush()
        return self.log_path.read_text(errors="replace")[-4000:]

    def wait_ready(self, path="/api/v1/health"):
        """Wait until ``path`` answers 200 and every worker has booted."""
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}:\n{self.output()}")
            try:
                if (requests.get(self.root + path, timeout=5).status_code == 200
                        and len(self.worker_pids()) >= self.workers):
                    return self
            except requests.RequestException:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"{path} did not answer within {self.start_timeout} s:\n{self.output()}")

    def worker_pids(self):
        return children(self.pid)

    def worker_rss_mb(self):
        return {pid: rss_mb(pid) for pid in self.worker_pids()}

    def kill_worker(self, pid=None):
        """SIGKILL one worker (the first one, or ``pid``); returns its pid."""
        pid = pid or self.worker_pids()[0]
        os.kill(pid, signal.SIGKILL)
        return pid

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        if self.log_path:
            self.log.close()
        return self.process.returncode

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


# --- the API -----------------------------------------------------------------------------------

def login(base, username, password=PASSWORD, session=None):
    """An access token for a demo user."""
    answer = (session or requests).post(f"{base}/auth/login",
                                        json={"username": username, "password": password},
                                        timeout=30)
    answer.raise_for_status()
    return answer.json()["access_token"]


def signed_in_session(base, username):
    """A requests session that keeps its connection and sends a demo user's access token."""
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {login(base, username, session=session)}"
    return session


def random_points(plain_url, count, seed=0.5, grid_ids=None):
    """``count`` random points inside the grids, spread over all grids (or ``grid_ids``):
    [(lon, lat, grid_id)], where grid_id is the grid the point was drawn in."""
    with psycopg.connect(plain_url) as conn:
        conn.execute("SELECT setseed(%s)", (seed,))
        grids = [row[0] for row in conn.execute("SELECT id FROM grids ORDER BY id")]
        grids = [g for g in grids if grid_ids is None or g in grid_ids]
        per_grid = -(-count // len(grids))
        rows = conn.execute(
            "SELECT g.id, ST_X(p.geom), ST_Y(p.geom) FROM grids g, "
            "LATERAL ST_Dump(ST_GeneratePoints(ST_Buffer(g.boundary, -0.00002), %s, 7 + g.id)) p "
            "WHERE g.id = ANY(%s) ORDER BY random()",
            (per_grid, grids)).fetchall()
    return [(lon, lat, grid_id) for grid_id, lon, lat in rows[:count]]


# --- numbers and tables ------------------------------------------------------------------------

def timed_gets(session, url, params, count, warmup, timeout):
    """``count`` sequential GETs after ``warmup`` untimed ones: (milliseconds each, last answer)."""
    for _ in range(warmup):
        session.get(url, params=params, timeout=timeout).raise_for_status()
    times, answer = [], None
    for _ in range(count):
        start = time.perf_counter()
        answer = session.get(url, params=params, timeout=timeout)
        times.append((time.perf_counter() - start) * 1000)
        answer.raise_for_status()
    return times, answer


def percentile(values, share):
    """The ``share`` (0–100) percentile, by linear interpolation; None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = (len(ordered) - 1) * share / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def markdown_table(headers, rows):
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join("" if cell is None else str(cell) for cell in row) + " |"
              for row in rows]
    return "\n".join(lines)


def fmt(value, digits=1):
    if value is None:
        return "–"
    return f"{value:,.{digits}f}"


def write_results(name, data):
    RESULTS_DIR.mkdir(exist_ok=True)
    output = RESULTS_DIR / f"{name}-{datetime.now():%Y%m%d-%H%M%S}.json"
    output.write_text(json.dumps(data, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
    return output


# --- CPU accounting ----------------------------------------------------------------------------

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid):
    """User + system CPU seconds a process has used so far (0 when it is gone)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="utf-8", errors="replace") as file:
            fields = file.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def machine_cpu():
    """(busy, total) CPU seconds of the whole machine since boot, all cores together."""
    with open("/proc/stat", encoding="ascii") as file:
        values = [int(value) for value in file.readline().split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    total = sum(values[:8])  # without guest time, which is already in user
    return (total - idle) / CLOCK_TICKS, total / CLOCK_TICKS


def backend_pids(plain_url):
    """The PostgreSQL server processes serving the database of ``plain_url`` (not this query's)."""
    with psycopg.connect(plain_url) as conn:
        return [row[0] for row in conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid()")]


class CpuMeter:
    """CPU used during a measurement by a gunicorn server, its database backends, this process's
    children (the load generator) and the whole machine."""

    def __init__(self, server, plain_url):
        self.server, self.plain_url = server, plain_url

    def _app_pids(self):
        return [self.server.pid, *self.server.worker_pids()]

    def __enter__(self):
        self.app_pids = self._app_pids()
        self.app_start = {pid: cpu_seconds(pid) for pid in self.app_pids}
        self.db_pids = backend_pids(self.plain_url)
        self.db_start = {pid: cpu_seconds(pid) for pid in self.db_pids}
        self.children_start = sum(os.times()[2:4])
        self.self_start = sum(os.times()[0:2])
        self.machine_start = machine_cpu()
        self.wall_start = time.monotonic()
        return self

    def __exit__(self, *exc):
        wall = time.monotonic() - self.wall_start
        busy, total = (end - start for end, start in zip(machine_cpu(), self.machine_start))
        app_pids = set(self._app_pids()) | set(self.app_pids)
        db_pids = set(backend_pids(self.plain_url)) | set(self.db_pids)
        app = sum(cpu_seconds(pid) - self.app_start.get(pid, 0.0) for pid in app_pids)
        db = sum(cpu_seconds(pid) - self.db_start.get(pid, 0.0) for pid in db_pids)
        load = sum(os.times()[2:4]) - self.children_start + sum(os.times()[0:2]) - self.self_start
        self.result = {"wall_s": wall, "machine_busy_share": busy / total if total else None,
                       "app_cpu_s": app, "db_cpu_s": db, "loadgen_cpu_s": load,
                       "other_cpu_s": max(0.0, busy - app - db - load)}
        return False


def api_grids(base, token):
    """Every grid as a GeoJSON Feature, through GET /grids (Accept: application/geo+json)."""
    features, cursor = [], None
    while True:
        params = {"limit": 200, **({"cursor": cursor} if cursor else {})}
        answer = requests.get(f"{base}/grids", params=params, timeout=30,
                              headers={"Authorization": f"Bearer {token}",
                                       "Accept": "application/geo+json"})
        answer.raise_for_status()
        page = answer.json()
        features += page["features"]
        cursor = page.get("next_cursor")
        if not cursor:
            return features


def api_points(features, count, seed=1):
    """``count`` random points inside the grids' boundaries (kept 2 m off the edges), spread over
    all grids, drawn with shapely: [(lon, lat, grid feature index)]. Works for either database."""
    import random

    from shapely.geometry import Point, shape

    rng = random.Random(seed)
    areas = [shape(feature["geometry"]).buffer(-0.00002) for feature in features]
    points = []
    while len(points) < count:
        index = len(points) % len(areas)
        west, south, east, north = areas[index].bounds
        candidate = Point(rng.uniform(west, east), rng.uniform(south, north))
        if areas[index].contains(candidate):
            points.append((candidate.x, candidate.y, index))
    rng.shuffle(points)
    return points


def wait_for_quiet(threshold=1.5, max_wait=600, log=None):
    """Wait (at most ``max_wait`` s) until the 1-minute load average is below ``threshold``:
    the machine may be shared. Returns the load average when done waiting."""
    deadline = time.monotonic() + max_wait
    announced = False
    while loadavg()[0] >= threshold and time.monotonic() < deadline:
        if log and not announced:
            log(f"waiting for a quieter machine (load average {loadavg()[0]:.1f} ≥ {threshold}) …")
            announced = True
        time.sleep(5)
    return loadavg()


def busy_share(window=3.0):
    """The share of the machine's CPU in use over the next ``window`` seconds."""
    busy0, total0 = machine_cpu()
    time.sleep(window)
    busy1, total1 = machine_cpu()
    return (busy1 - busy0) / (total1 - total0) if total1 > total0 else 0.0


def wait_for_idle_cpu(max_busy=0.25, max_wait=300, window=3.0, log=None):
    """Wait (at most ``max_wait`` s) until the machine's CPU is mostly idle — measured over
    ``window`` seconds, unlike the load average, which our own last run keeps high for minutes.
    Returns the busy share last seen."""
    deadline = time.monotonic() + max_wait
    share = busy_share(window)
    if share > max_busy and log:
        log(f"waiting for an idle machine (CPU {share:.0%} busy > {max_busy:.0%}) …")
    while share > max_busy and time.monotonic() < deadline:
        share = busy_share(window)
    return share


def exit_on_sigterm():
    """Turn SIGTERM into SystemExit, so that servers are stopped and scratch databases dropped."""
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))


# --- generated incidents (bench/sync.py, bench/stats.py) ---------------------------------------

# Each grid with its level-4 and level-3 worker, and random points inside it (%(points)s a grid).
GRID_REFERENCE = """
CREATE UNLOGGED TABLE bench_grid_ref AS
SELECT (row_number() OVER (ORDER BY g.id) - 1)::int AS k, g.id AS grid_id, g.village_id,
       g.town_id,
       (SELECT wa.user_id FROM worker_assignments wa
         WHERE wa.level = 4 AND wa.grid_id = g.id ORDER BY wa.user_id LIMIT 1) AS l4_id,
       (SELECT wa.user_id FROM worker_assignments wa
         WHERE wa.level = 3 AND wa.village_id = g.village_id ORDER BY wa.user_id LIMIT 1) AS l3_id
FROM grids g;
CREATE UNLOGGED TABLE bench_grid_points AS
SELECT g.id AS grid_id, (p.path[1] - 1)::int AS j, p.geom
FROM grids g, LATERAL ST_Dump(ST_GeneratePoints(ST_Buffer(g.boundary, -0.00002), %(points)s, g.id)) p;
CREATE INDEX ON bench_grid_points (grid_id, j);
"""

# An incident's status by its age in days and a random draw r_status: old ones closed, recent open.
STATUS_BY_AGE = """CASE WHEN age_days > 30 THEN
                     CASE WHEN r_status < 0.92 THEN 'closed' WHEN r_status < 0.98 THEN 'rejected'
                          ELSE 'handled' END
                WHEN age_days > 7 THEN
                     CASE WHEN r_status < 0.50 THEN 'closed' WHEN r_status < 0.70 THEN 'handled'
                          WHEN r_status < 0.85 THEN 'dispatched' WHEN r_status < 0.95 THEN 'accepted'
                          ELSE 'rejected' END
                ELSE CASE WHEN r_status < 0.30 THEN 'reported' WHEN r_status < 0.55 THEN 'accepted'
                          WHEN r_status < 0.80 THEN 'dispatched' WHEN r_status < 0.90 THEN 'handled'
                          WHEN r_status < 0.98 THEN 'closed' ELSE 'rejected' END
           END"""

DESCRIPTIONS = {
    "dispute": "村民之间因琐事发生矛盾纠纷，网格员现场上报",
    "public_security": "村道路口夜间有人聚集滋事，请求巡查",
    "safety_hazard": "路灯损坏，桥头护栏松动，存在安全隐患",
    "environment": "河道漂浮垃圾较多，影响村容村貌",
    "public_service": "村民反映自来水水压不足，已持续三天",
    "petition": "群众反映宅基地审批进度",
    "emergency": "山塘水位上涨，需要紧急处置",
    "other": "其他事项，需进一步了解情况",
}

