# Shell helpers shared by scripts/*.sh and .ci/run. Source it; it defines functions only.
# shellcheck shell=bash

ROOT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${VENV:-$ROOT_DIR/.venv}"

say() { printf '%s\n' "$*"; }
warn() { printf '警告 / warning: %s\n' "$*" >&2; }
die() { printf '错误 / error: %s\n' "$*" >&2; exit 1; }
section() { printf '\n==================== %s ====================\n' "$*"; }

# Run a command as root: directly when we are root, through passwordless sudo otherwise.
# Returns 1 (without running anything) when neither is possible.
as_root() {
    if [ "$(id -u)" -eq 0 ]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
        sudo -n "$@"
    else
        return 1
    fi
}

can_be_root() { [ "$(id -u)" -eq 0 ] || { command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; }; }

deb_installed() {
    dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"
}

# apt-get update at most once per run (APT_UPDATED is exported so child scripts skip it too).
apt_update_once() {
    if [ "${APT_UPDATED:-0}" = 1 ]; then return 0; fi
    say "apt-get update"
    if as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq; then
        export APT_UPDATED=1
    else
        warn "apt-get update 失败，继续使用现有的软件包列表"
    fi
}

# Install the Debian packages among the arguments that are not installed yet.
# Without apt or root, says what is missing and returns 1.
apt_install_missing() {
    local missing=() pkg
    command -v dpkg-query >/dev/null 2>&1 || { warn "不是 Debian/Ubuntu 系统，请自行安装：$*"; return 1; }
    for pkg in "$@"; do
        deb_installed "$pkg" || missing+=("$pkg")
    done
    [ "${#missing[@]}" -eq 0 ] && return 0
    if ! can_be_root; then
        warn "缺少系统软件包：${missing[*]}（需要 root 或 sudo：apt-get install ${missing[*]}）"
        return 1
    fi
    apt_update_once
    say "apt-get install ${missing[*]}"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# --- PostgreSQL (Debian's postgresql-common layout) --------------------------------------

# "VERSION PORT STATUS" of the cluster to use: the one named main, else the first one.
pg_cluster_line() {
    command -v pg_lsclusters >/dev/null 2>&1 || return 1
    pg_lsclusters -h 2>/dev/null | awk '$2 == "main" {print $1, $3, $4; found = 1; exit}
                                        END {if (!found) exit 1}' ||
        pg_lsclusters -h 2>/dev/null | awk 'NR == 1 {print $1, $3, $4; found = 1} END {if (!found) exit 1}'
}

# Major version of the PostgreSQL server: asked from the running server when it answers,
# else read from the installed clusters.
pg_major() {
    local num
    num="$(psql -h "${PGHOST_CI:-127.0.0.1}" -p "${1:-5432}" -U postgres -X -Atc 'show server_version_num' 2>/dev/null || true)"
    if [ -n "$num" ]; then
        echo $((num / 10000))
        return 0
    fi
    pg_cluster_line | awk '{print $1}'
}

# Make sure the postgis package matching the local server is installed (no-op without a local
# Debian-managed cluster).
ensure_postgis_package() {
    local major
    major="$(pg_major "${1:-5432}" 2>/dev/null || true)"
    if [ -z "$major" ]; then
        warn "本机没有 PostgreSQL 集群，跳过 PostGIS 软件包"
        return 0
    fi
    apt_install_missing "postgresql-$major-postgis-3"
}
