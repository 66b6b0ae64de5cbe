#!/usr/bin/env bash
# `make test`: the whole pytest suite — SpatiaLite always, PostGIS too when TEST_DATABASE_URL
# points at a PostgreSQL server (e.g. postgresql+psycopg://postgres@127.0.0.1/songyuan_test).
# Extra arguments go to pytest: make test ARGS='-k locate -x'.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$ROOT_DIR"

# tests/test_proxy.py runs deploy/nginx/songyuan.conf on a real nginx.
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || apt_install_missing nginx ||
    warn "没有 nginx：反向代理测试跳过（CI=true 时失败）"

if [ -n "${TEST_DATABASE_URL:-}" ]; then
    say "PostGIS: $TEST_DATABASE_URL"
else
    say "TEST_DATABASE_URL 未设置：只在 SpatiaLite 上测试（PostGIS 测试跳过）"
fi
# Two processes by default (one per core of the target machine); PYTEST_WORKERS=0 runs serially.
exec "$VENV/bin/python" -m pytest -n "${PYTEST_WORKERS:-auto}" "$@"
