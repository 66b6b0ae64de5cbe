#!/usr/bin/env bash
# Installs what `make run` and `make test` need, and nothing that is already there:
#   - Debian/Ubuntu packages (as root or with passwordless sudo): a Python >= 3.11 with venv,
#     libsqlite3-mod-spatialite, and postgresql-N-postgis-3 for the local server when
#     TEST_DATABASE_URL is set;
#   - .venv with `pip install -e '.[test]'`, skipped while .venv/.installed matches pyproject.toml.
# Environment: PYTHON (interpreter to build .venv with), VENV (default .venv), FORCE_INSTALL=1.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$ROOT_DIR"

STAMP="$VENV/.installed"

python_ok() {  # a Python >= 3.11 that can create a venv with pip
    "$1" -c 'import sys; assert sys.version_info >= (3, 11); import ensurepip, venv' >/dev/null 2>&1
}

python_version_ok() {
    "$1" -c 'import sys; assert sys.version_info >= (3, 11)' >/dev/null 2>&1
}

find_python() {
    local candidate
    for candidate in ${PYTHON:-} python3.13 python3.12 python3.11 python3; do
        command -v "$candidate" >/dev/null 2>&1 || continue
        if python_ok "$candidate"; then
            command -v "$candidate"
            return 0
        fi
    done
    return 1
}

ensure_python() {
    local py candidate minor
    if py="$(find_python)"; then echo "$py"; return 0; fi
    # A Python >= 3.11 without ensurepip (Debian splits it into pythonX.Y-venv)?
    for candidate in ${PYTHON:-} python3.13 python3.12 python3.11 python3; do
        command -v "$candidate" >/dev/null 2>&1 && python_version_ok "$candidate" || continue
        minor="$("$candidate" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')"
        apt_install_missing "python$minor-venv" >&2 || true
        break
    done
    if py="$(find_python)"; then echo "$py"; return 0; fi
    # No suitable interpreter: the distribution's python3 (3.11 on Debian 12, 3.12 on Ubuntu 24.04),
    # then python3.11 (Ubuntu 22.04 carries it beside its 3.10).
    apt_install_missing python3 python3-venv >&2 || true
    if py="$(find_python)"; then echo "$py"; return 0; fi
    apt_install_missing python3.11 python3.11-venv >&2 || true
    if py="$(find_python)"; then echo "$py"; return 0; fi
    die "需要 Python ≥ 3.11（带 venv 模块）。请安装后重试，或用 PYTHON=/path/to/python3.11 指定。"
}

system_packages() {
    if [ -n "${SPATIALITE_LIBRARY_PATH:-}" ]; then
        :  # the operator points at mod_spatialite explicitly
    elif command -v dpkg-query >/dev/null 2>&1; then
        apt_install_missing libsqlite3-mod-spatialite ||
            warn "没有 mod_spatialite：SpatiaLite 数据库无法使用（apt-get install libsqlite3-mod-spatialite）"
        apt_install_missing fonts-wqy-microhei || warn "没有中文字体：统计图改用英文标注"
    fi
    if [ -n "${TEST_DATABASE_URL:-}" ]; then
        ensure_postgis_package || warn "没有安装 PostGIS 扩展：PostGIS 测试会失败或被跳过"
    fi
}

stamp_value() {
    {
        cat pyproject.toml
        echo "$ROOT_DIR"
        "$VENV/bin/python" -c 'import sys; print(sys.version)'
    } | sha256sum | cut -d' ' -f1
}

venv() {
    if [ -x "$VENV/bin/python" ] && ! "$VENV/bin/python" -c 'import sys' >/dev/null 2>&1; then
        warn "$VENV 已损坏（其解释器不可用），重新创建"
        rm -rf "$VENV"
    fi
    if [ ! -x "$VENV/bin/python" ]; then
        local py
        py="$(ensure_python)"
        say "创建虚拟环境 $VENV（$("$py" --version)）"
        "$py" -m venv "$VENV"
        "$VENV/bin/python" -m pip install -q --upgrade pip
    fi
    if [ "${FORCE_INSTALL:-0}" != 1 ] && [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$(stamp_value)" ]; then
        return 0
    fi
    say "pip install -e '.[test]'"
    "$VENV/bin/python" -m pip install -q --disable-pip-version-check -e '.[test]'
    stamp_value >"$STAMP"
}

system_packages
venv
