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
    small = [{"queries": [{"user": "l3", "query": "overdue", "rows_touched": 20, "items": 2,
                           "backlog_rows": 2}]}]

    def large(touched):
        return [{"queries": [{"user": "l3", "query": "overdue", "rows_touched": touched,
                              "items": 25, "backlog_rows": 165}]}]

    # The same page's cost scaled to its items, plus every overdue case read once from the
    # deadline index: flat, though the backlog grew 80-fold.
    assert unflat_pages(small + large(390)) == []
    assert unflat_pages(small + large(624)) == []
    # Walking weeks of history for the few overdue cases is named.
    assert unflat_pages(small + large(14_000)) == [("l3", "overdue", 20, 14_000)]
