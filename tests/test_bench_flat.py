"""bench/sync's plan check (CI step 6), on made-up plan figures."""
from bench.sync import unflat_pages


def results(*sizes):
    """One result per size: {(user, query): (rows_touched, items)}."""
    return [{"queries": [{"user": user, "query": query, "rows_touched": rows, "items": items}
                         for (user, query), (rows, items) in pages.items()]} for pages in sizes]


def test_a_plan_that_grows_with_the_table_is_named():
    small = {("l4", "first page"): (600, 50), ("l4", "sync"): (700, 50)}
    large = {("l4", "first page"): (650, 50), ("l4", "sync"): (20_000, 50)}
    assert unflat_pages(results(small, large)) == [("l4", "sync", 700, 20_000)]


def test_a_page_not_full_at_the_small_size_is_compared_per_item():
    # Four changes in the window at 10k, a full page at 1M: the same walk, not a misplan.
    small = {("l3", "sync"): (63, 4)}
    assert unflat_pages(results(small, {("l3", "sync"): (854, 41)})) == []
    # …but a plan that reads the whole window is still named.
    assert unflat_pages(results(small, {("l3", "sync"): (12_000, 41)})) == [
        ("l3", "sync", 63, 12_000)]


def test_a_backlog_page_is_held_to_the_backlog_it_reads():
    def sizes(small_overdue, large_overdue):
        """(rows touched, items, backlog) of the overdue page at the small and the large size;
        the caller's first page costs 720 rows for 50 items at both."""
        return [{"queries": [
            {"user": "l3", "query": "first page", "rows_touched": 720, "items": 50},
            {"user": "l3", "query": "overdue", "rows_touched": rows, "items": items,
             "backlog_rows": backlog}]} for rows, items, backlog in (small_overdue, large_overdue)]

    # Every overdue case read once from the deadline index, plus the page's own look-ups:
    # flat, though the backlog grew 80-fold.
    assert unflat_pages(sizes((20, 2, 2), (390, 25, 165))) == []
    assert unflat_pages(sizes((20, 2, 2), (624, 25, 165))) == []
    # … also when there was nothing overdue at the small size (an empty page touches nothing).
    assert unflat_pages(sizes((0, 0, 0), (643, 50, 184))) == []
    # Walking weeks of history for the few overdue cases is named.
    assert unflat_pages(sizes((20, 2, 2), (14_000, 25, 165))) == [("l3", "overdue", 20, 14_000)]
    assert unflat_pages(sizes((0, 0, 0), (14_000, 50, 184))) == [("l3", "overdue", 0, 14_000)]
