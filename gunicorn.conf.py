# gunicorn reads this file from the working directory.
import gc

# The service validates every query parameter itself and answers with problem+json; gunicorn's
# own 414 for a long request line would be an HTML page. A reverse proxy in front still caps it.
limit_request_line = 0
# Large exports stream for minutes; a sync worker must not be killed half-way.
timeout = 300


def post_worker_init(worker):
    """Put what the worker loaded at start-up (about 170,000 objects: the app, its libraries,
    the town's data) out of the garbage collector's sight. A full collection otherwise walks
    all of them — an 80 ms pause every few dozen requests, the slowest one per cent of every
    endpoint; after the freeze it walks only what the requests made, under a millisecond."""
    gc.collect()
    gc.freeze()
