"""Open311 GeoReport v2 (http://wiki.open311.org/GeoReport_v2): the town's incident reports
through the civic-issue standard, for systems and apps that speak it.

The service types are the incident categories; a request is an incident. Filing one runs the
same report as ``POST /incidents`` (scope, case number, replay safety, routing of a dispute);
reading them goes through the same scope. JSON only; authentication is the service's own
bearer token (Open311's ``api_key`` is not used), and errors are the service's problem+json.
"""
