#!/usr/bin/env bash
# `make run`: migrate the database (and load the demo town when it is empty), then serve with
# gunicorn. Default database: the SpatiaLite file instance/songyuan.sqlite; DATABASE_URL overrides.
# Environment: HOST (127.0.0.1), PORT (5000), WORKERS (2).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$ROOT_DIR"

HOST="${HOST:-127.0.0.1}"
PORT="${PORT:-5000}"
WORKERS="${WORKERS:-2}"
BASE="http://$HOST:$PORT"

mkdir -p instance
say "数据库：${DATABASE_URL:-sqlite:///$ROOT_DIR/instance/songyuan.sqlite}"
"$VENV/bin/flask" --app service setup

cat <<INFO

松源镇网格化治理服务 → $BASE
  接口文档 / API docs:  $BASE/api/v1/docs   (OpenAPI: $BASE/api/v1/openapi.json)
  健康检查 / health:    curl $BASE/api/v1/health
  登录 / sign in（演示账号 admin，密码 songyuan-demo）:
    curl -s -X POST $BASE/api/v1/auth/login \\
         -H 'Content-Type: application/json' \\
         -d '{"username": "admin", "password": "songyuan-demo"}'
  然后 / then:
    curl -s $BASE/api/v1/me -H "Authorization: Bearer <access_token>"
  按 Ctrl-C 停止 / Ctrl-C stops the server.

INFO

exec "$VENV/bin/gunicorn" -w "$WORKERS" -b "$HOST:$PORT" 'service:create_app()'
