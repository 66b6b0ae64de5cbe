"""A real gunicorn serving the service, for the tests that need the real server: the bench's own
``Gunicorn`` (bench/common.py), started on the test's database and waited for."""
import pytest

from bench.common import Gunicorn, server_env


def serve(database_url, tmp_path, workers=2, **environment):
    """gunicorn on ``database_url`` with its log and photos in ``tmp_path``, once /health answers
    and every worker has booted; the test fails (with the log) if it does not come up."""
    server = Gunicorn(server_env(database_url, PHOTO_DIR=str(tmp_path / "photos"), **environment),
                      workers=workers, log_path=tmp_path / "gunicorn.log")
    try:
        return server.wait_ready()
    except RuntimeError as exc:
        server.stop()
        pytest.fail(str(exc))
