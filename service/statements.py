"""Statements built once per shape and caller, then run again with new bound values.

Building a SQLAlchemy statement and computing its cache key cost more, on the busiest
listings, than running it: a village's sync page took 2.5 ms to build and 3.3 ms to run. A
listing that depends on the caller (their scope is part of the WHERE clause) keys its
statements by the caller and the shape of the request, and binds everything else.
"""
import threading


class StatementCache:
    """At most ``size`` statements; when full it starts again empty (callers and shapes are few,
    so this happens only when many different people list things in one worker's life)."""

    def __init__(self, size=4096):
        self.size = size
        self._statements = {}
        self._lock = threading.Lock()

    def get(self, key, build):
        stmt = self._statements.get(key)
        if stmt is None:
            stmt = build()
            with self._lock:
                if len(self._statements) >= self.size:
                    self._statements.clear()
                self._statements[key] = stmt
        return stmt
