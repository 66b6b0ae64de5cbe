"""The production front: deploy/nginx/songyuan.conf on a real nginx before a real gunicorn.

What the phones depend on and the Flask test client cannot show: a slow upload does not hold a
sync worker, list pages travel compressed, legitimate 10 MB photos pass, and what nginx answers
itself (an oversized body, no worker answering) is problem+json like everything else.
Needs nginx (Debian/Ubuntu: apt-get install nginx); skipped without it, except under CI.
"""
import gzip
import io
import json
import os
import shutil
import socket
import subprocess
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from PIL import Image
from sqlalchemy import select

from bench.common import PASSWORD, ROOT, Gunicorn, free_port
from service.extensions import db
from service.incidents.photo_files import MAX_PHOTO_BYTES
from service.models import LoginFailure
from tests.problems import assert_problem, has_chinese
from tests.servers import serve
from tests.town import GRID_A1

SITE = ROOT / "deploy" / "nginx" / "songyuan.conf"
# What the test puts in place of the site's production addresses and paths.
UPSTREAM, LISTEN, PAGES = "server 127.0.0.1:5000;", "listen 80;", "/var/lib/songyuan/proxy-pages/"
ACCESS_LOG = "/var/log/nginx/songyuan.access.log"

MAIN_CONF = """\
{user}
daemon off;
worker_processes 1;
pid {work}/nginx.pid;
error_log {work}/error.log warn;
events {{ worker_connections 64; }}
http {{
    access_log off;
    client_body_temp_path {work}/client_body;
    proxy_temp_path {work}/proxy;
    fastcgi_temp_path {work}/fastcgi;
    uwsgi_temp_path {work}/uwsgi;
    scgi_temp_path {work}/scgi;
    include {site};
}}
"""


def nginx_binary():
    found = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if found is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("CI=true 但没有安装 nginx：反向代理测试不能跳过")
        pytest.skip("没有安装 nginx（apt-get install nginx），跳过反向代理测试")
    return found


def site_for(gunicorn_port, nginx_port, pages):
    """The committed site with the test's addresses: each replaced string must be there once."""
    text = SITE.read_text()
    for old in (UPSTREAM, LISTEN, PAGES, ACCESS_LOG):
        assert text.count(old) == 1, f"{SITE} 中应恰好有一处 {old!r}"
    return (text.replace(UPSTREAM, f"server 127.0.0.1:{gunicorn_port};")
            .replace(LISTEN, f"listen 127.0.0.1:{nginx_port};")
            .replace(PAGES, f"{pages}/")
            .replace(ACCESS_LOG, str(pages.parent / "access.log")))


@dataclass
class Front:
    port: int  # nginx's
    base: str  # the API through nginx
    gunicorn: Gunicorn


@pytest.fixture
def front(app, database_url, tmp_path):
    """nginx before a gunicorn with ONE sync worker, so that anything holding that worker shows."""
    binary = nginx_binary()
    pages = tmp_path / "proxy-pages"
    written = app.test_cli_runner().invoke(args=["proxy-pages", str(pages)])
    assert written.exit_code == 0, written.output
    gunicorn = serve(database_url, tmp_path, workers=1, PROXIES_IN_FRONT="1")
    nginx = None
    try:
        port = free_port()
        (tmp_path / "site.conf").write_text(site_for(gunicorn.port, port, pages))
        (tmp_path / "nginx.conf").write_text(MAIN_CONF.format(
            user="user root;" if os.geteuid() == 0 else "", work=tmp_path,
            site=tmp_path / "site.conf"))
        nginx = subprocess.Popen([binary, "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}/api/v1"
        _wait_for(f"{base}/health", nginx, tmp_path / "error.log")
        yield Front(port, base, gunicorn)
    finally:
        if nginx is not None:
            nginx.terminate()
            nginx.wait(timeout=10)
        gunicorn.stop()


def _wait_for(url, nginx, log, seconds=15):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if nginx.poll() is not None:
            pytest.fail(f"nginx exited with {nginx.returncode}:\n{log.read_text(errors='replace')}")
        try:
            if requests.get(url, timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.1)
    pytest.fail(f"nginx did not answer {url}:\n{log.read_text(errors='replace')}")


def sign_in(base, username):
    answer = requests.post(f"{base}/auth/login", json={"username": username, "password": PASSWORD},
                           timeout=10)
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


def assert_proxy_problem(response, status, code, language):
    """The suite's assert_problem on a requests answer; in English, no Chinese either."""
    body = assert_problem(FlaskLike(response), status, code, language)
    if language == "en":
        assert not has_chinese(body["title"] + body["detail"]), body


class FlaskLike:
    """A requests answer read the way tests.problems reads a Flask test response."""

    def __init__(self, response):
        self.response, self.status_code = response, response.status_code
        self.mimetype = response.headers["Content-Type"].split(";")[0].strip()

    def get_json(self):
        return self.response.json()

    def get_data(self, as_text=False):
        return self.response.text if as_text else self.response.content


def slow_request(port, path, declared_length):
    """A request whose body is declared but only begun, as from a phone losing its signal."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    sock.sendall((f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                  f"Content-Length: {declared_length}\r\n\r\n").encode() + b'{"username": ')
    return sock


def noise_png(width, height):
    """A real photo-sized PNG (random grey noise does not compress): width × height bytes."""
    buffer = io.BytesIO()
    Image.effect_noise((width, height), 64).save(buffer, "PNG", compress_level=0)
    return buffer.getvalue()


@pytest.mark.slow
def test_a_slow_upload_holds_nginx_not_the_only_worker(front):
    base, port = front.base, front.port
    slow = slow_request(port, "/api/v1/auth/login", 100_000)
    try:
        started = time.monotonic()
        assert requests.get(f"{base}/health", timeout=5).status_code == 200
        assert time.monotonic() - started < 3
    finally:
        slow.close()


@pytest.mark.slow
def test_without_the_front_a_slow_upload_holds_the_worker(front):
    """Why the front is there: straight to gunicorn, the same slow request holds its one
    sync worker and nothing else is answered."""
    gunicorn = front.gunicorn
    slow = slow_request(gunicorn.port, "/api/v1/auth/login", 100_000)
    try:
        time.sleep(0.5)  # the worker has taken the slow request and waits for its body
        with pytest.raises(requests.Timeout):
            requests.get(f"{gunicorn.base}/health", timeout=2)
    finally:
        slow.close()


@pytest.mark.slow
def test_reports_and_a_ten_megabyte_photo_pass_and_pages_travel_compressed(front):
    base = front.base
    headers = sign_in(base, f"l4-{GRID_A1}")
    grid_id = requests.get(f"{base}/me", headers=headers, timeout=10).json()["scope"]["grid_ids"][0]
    report = requests.post(f"{base}/incidents", headers=headers, timeout=10, json={
        "client_id": str(uuid.uuid4()), "category": "safety_hazard", "grid_id": grid_id,
        "description": "村道护栏缺失，急弯处车辆通行危险"})
    assert report.status_code == 201, report.text

    photo = noise_png(3200, 3200)
    assert 10_000_000 < len(photo) <= MAX_PHOTO_BYTES
    upload = requests.post(f"{base}/incidents/{report.json()['id']}/photos", headers=headers,
                           files={"file": ("photo.png", photo, "image/png")}, timeout=60)
    assert upload.status_code == 201, upload.text
    assert (upload.json()["width"], upload.json()["height"]) == (3200, 3200)

    raw = requests.get(f"{base}/grids?limit=200", headers={**headers, "Accept-Encoding": "gzip"},
                       timeout=10, stream=True)
    assert raw.status_code == 200
    assert raw.headers["Content-Encoding"] == "gzip"
    compressed = raw.raw.read()
    body = gzip.decompress(compressed)
    assert len(compressed) < len(body) / 2
    plain = requests.get(f"{base}/grids?limit=200", headers={**headers, "Accept-Encoding": "identity"},
                         timeout=10)
    assert "Content-Encoding" not in plain.headers
    assert json.loads(body) == plain.json() and len(plain.json()["items"]) == 94


@pytest.mark.slow
def test_the_service_sees_the_address_nginx_saw_not_one_the_client_names(front):
    base = front.base
    failed = requests.post(f"{base}/auth/login", json={"username": "l2-06", "password": "wrong"},
                           headers={"X-Forwarded-For": "203.0.113.9"}, timeout=10)
    assert failed.status_code == 401
    addresses = db.session.scalars(select(LoginFailure.address)
                                   .where(LoginFailure.username == "l2-06")).all()
    assert addresses == ["127.0.0.1"]


@pytest.mark.slow
def test_what_nginx_answers_itself_is_problem_json(front):
    base, port, gunicorn = front.base, front.port, front.gunicorn
    # Over nginx's limit: refused on the declared length, before any of the body is sent.
    for language in ("zh", "en"):
        sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        with sock:
            sock.sendall((f"POST /api/v1/incidents/1/photos HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                          f"Accept-Language: {language}\r\nContent-Type: multipart/form-data; "
                          f"boundary=x\r\nContent-Length: {13 * 1024 * 1024}\r\n"
                          f"Connection: close\r\n\r\n").encode())
            answer = _read_http(sock)
        assert_proxy_problem(answer, 413, "payload_too_large", language)
        assert "Retry-After" not in answer.headers  # sending it again will not help

    gunicorn.stop()
    for language in ("zh", "en"):
        down = requests.get(f"{base}/health", headers={"Accept-Language": language}, timeout=10)
        assert_proxy_problem(down, 502, "service_unavailable", language)
        assert down.headers["Retry-After"] == "5"


@pytest.mark.slow
def test_the_access_log_keeps_requests_without_their_access_keys(front, tmp_path):
    base = front.base
    admin = sign_in(base, "admin")
    account = requests.get(f"{base}/accounts", params={"q": "center01"}, headers=admin,
                           timeout=10).json()["items"][0]
    issued = requests.post(f"{base}/accounts/{account['id']}/api-keys", headers=admin, timeout=10,
                           json={"name": "梅县区 12345 平台"})
    assert issued.status_code == 201, issued.text
    key = issued.json()["api_key"]
    for url, status in ((f"{base}/georeport/v2/services.json?api_key={key}", 200),
                        (f"{base}/georeport/v2/requests.json?status=open&api_key={key}"
                         "&service_code=dispute", 200),
                        (f"{base}/georeport/v2/services.json?API_KEY={key}", 401)):  # not a key
        assert requests.get(url, timeout=10).status_code == status, url
    log = (tmp_path / "access.log").read_text()
    assert key not in log and key[-12:] not in log
    assert "/georeport/v2/services.json?api_key=[hidden] HTTP/1.1\" 200" in log, log
    assert "requests.json?status=open&api_key=[hidden]&service_code=dispute " in log, log
    assert "services.json?API_KEY=[hidden] HTTP/1.1\" 401" in log, log
    assert "GET /api/v1/accounts?q=center01 " in log  # the rest as it was


def _read_http(sock):
    """An HTTP answer with a Content-Length, read off a raw socket, as a requests.Response
    (read to its length, not to the close: nginx keeps reading a refused body a while)."""
    data = b""
    while b"\r\n\r\n" not in data:
        data += sock.recv(65536)
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    response = requests.Response()
    response.status_code = int(lines[0].split()[1])
    response.headers = requests.structures.CaseInsensitiveDict(
        line.split(": ", 1) for line in lines[1:])
    while len(body) < int(response.headers["Content-Length"]):
        body += sock.recv(65536)
    response._content = body
    return response
