"""`flask tokens prune` on a year of sign-ins: how long the first run and a daily run take, and
what "last seen" costs before and after.

On a fresh PostGIS database (migrations + demo town) this inserts, in SQL, a year of phone
sessions for every account: a sign-in or a refresh every half hour through a working day, each
an access token (30 minutes) and a refresh token (30 days) — ``--rows`` in all. Then it runs
the command as cron would, twice (the first run meets the whole year; the second is the next
day's, with nothing older to remove), and times the account page's "last seen" query
(service.auth.tokens.sign_ins_of) with EXPLAIN ANALYZE before and after.

    .venv/bin/python -m bench.prune [--rows 1000000]
"""
import argparse
import subprocess
import sys
import time

import psycopg

from bench.common import (ROOT, flask_setup, machine, markdown_table, plain, postgres_version,
                          scratch_postgis, server_env, write_results)

FILL = """
WITH accounts AS (SELECT id, row_number() OVER (ORDER BY id) AS n FROM users),
sessions AS (
    SELECT a.id AS user_id, s.n AS session,
           now() - interval '365 days' + (s.n * (365.0 * 86400 / %(per_user)s)) * interval '1 second'
               AS issued_at
    FROM accounts a CROSS JOIN generate_series(1, %(per_user)s) AS s(n))
INSERT INTO issued_tokens (jti, user_id, kind, refresh_jti, device_id, issued_at, expires_at)
SELECT md5(user_id || '-' || session || '-' || kind), user_id, kind,
       CASE kind WHEN 'access' THEN md5(user_id || '-' || session || '-refresh') END,
       'bench', issued_at,
       issued_at + CASE kind WHEN 'access' THEN interval '30 minutes' ELSE interval '30 days' END
FROM sessions CROSS JOIN (VALUES ('access'), ('refresh')) AS k(kind)
"""
LAST_SEEN = """
EXPLAIN (ANALYZE, FORMAT JSON)
SELECT max(issued_at), count(*) FILTER (WHERE kind = 'refresh' AND revoked_at IS NULL
                                        AND expires_at > now())
FROM issued_tokens WHERE user_id = %(user_id)s AND kind IN ('access', 'refresh')
"""


def count(conn):
    return conn.execute("SELECT count(*) FROM issued_tokens").fetchone()[0]


def last_seen_ms(conn, user_id):
    plans = [conn.execute(LAST_SEEN, {"user_id": user_id}).fetchone()[0][0] for _ in range(5)]
    return min(plan["Execution Time"] for plan in plans)


def prune(database_url):
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "flask", "--app", "service", "tokens", "prune"],
                          cwd=ROOT, env=server_env(database_url), check=True, capture_output=True,
                          text=True)
    return time.perf_counter() - started, done.stdout.strip()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args(argv)
    with scratch_postgis("prune") as database_url:
        flask_setup(database_url)
        with psycopg.connect(plain(database_url), autocommit=True) as conn:
            accounts = conn.execute("SELECT count(*) FROM users").fetchone()[0]
            per_user = max(1, args.rows // (2 * accounts))
            conn.execute(FILL, {"per_user": per_user})
            conn.execute("ANALYZE issued_tokens")
            busiest = conn.execute("SELECT user_id FROM issued_tokens GROUP BY user_id "
                                   "ORDER BY count(*) DESC LIMIT 1").fetchone()[0]
            rows_before, seen_before = count(conn), last_seen_ms(conn, busiest)
        first_s, first_said = prune(database_url)
        with psycopg.connect(plain(database_url), autocommit=True) as conn:
            conn.execute("VACUUM ANALYZE issued_tokens")
            rows_after, seen_after = count(conn), last_seen_ms(conn, busiest)
        daily_s, daily_said = prune(database_url)
        database = postgres_version(plain(database_url))
    rows = [["first run (a year of sign-ins)", f"{rows_before:,}", f"{rows_after:,}",
             f"{first_s:.1f}", first_said],
            ["the next day's run", f"{rows_after:,}", f"{rows_after:,}", f"{daily_s:.1f}",
             daily_said]]
    print(markdown_table(["run", "token rows before", "after", "seconds", "the command said"],
                         rows))
    print(f"\n\"last seen\" of the busiest account ({per_user * 2:,} rows of its own before): "
          f"{seen_before:.2f} ms before, {seen_after:.2f} ms after (EXPLAIN ANALYZE, best of 5)")
    host = machine()
    print(f"\nMachine: {host['cores']} cores, {host['cpu']}, Python {host['python']}, {database}; "
          f"{host['date']}; {accounts} accounts.")
    output = write_results("prune", {"machine": host, "database": database, "accounts": accounts,
                                     "rows": rows, "last_seen_ms": [seen_before, seen_after]})
    print(f"results: {output}")


if __name__ == "__main__":
    main()
