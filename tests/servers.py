"""A real gunicorn serving the service on a free port, for the tests that need the real server."""
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "songyuan-demo"
START_TIMEOUT = 60


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    def __init__(self, database_url, tmp_path, workers=2, **environment):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}/api/v1"
        self.log_path = tmp_path / "gunicorn.log"
        env = {**os.environ, "DATABASE_URL": database_url, "APP_ENV": "development",
               "PHOTO_DIR": str(tmp_path / "photos"), **environment}
        for name in ("SECRET_KEY", "PERSONAL_DATA_KEY"):
            env.pop(name, None)
        self.log = open(self.log_path, "wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-w", str(workers), "-b", f"127.0.0.1:{self.port}",
             "--graceful-timeout", "10", "service:create_app()"],
            cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT)

    def output(self):
        self.log.flush()
        return self.log_path.read_text(errors="replace")[-4000:]

    def wait_until_healthy(self):
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"gunicorn exited with {self.process.returncode}:\n{self.output()}")
            try:
                response = requests.get(f"{self.base}/health", timeout=5)
                if response.status_code == 200:
                    return response
            except requests.RequestException:  # not listening yet, or the workers still booting
                pass
            time.sleep(0.2)
        pytest.fail(f"/api/v1/health did not answer 200 within {START_TIMEOUT} s:\n{self.output()}")

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()
        return self.process.returncode
