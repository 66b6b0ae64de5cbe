# gunicorn reads this file from the working directory.
# The service validates every query parameter itself and answers with problem+json; gunicorn's
# own 414 for a long request line would be an HTML page. A reverse proxy in front still caps it.
limit_request_line = 0
# Large exports stream for minutes; a sync worker must not be killed half-way.
timeout = 300
