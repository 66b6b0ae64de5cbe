"""Open311 GeoReport v2 (http://wiki.open311.org/GeoReport_v2): the town's incident reports
through the civic-issue standard, for systems and apps that speak it.

The service types are the incident categories; a request is an incident. Filing one runs the
same report as ``POST /incidents`` (scope, case number, replay safety, routing of a dispute);
reading them goes through the same scope. JSON only; Open311's ``api_key`` is an access key an
administrator issued to an account (service.auth.api_keys), or the service's bearer token is
sent instead; errors are the service's problem+json.
"""
