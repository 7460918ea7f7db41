"""The published schema as schemathesis reads it, and what an answer must meet:
shared by the fuzz suite and the regression tests of what it found."""

import requests
import schemathesis
from django.core.wsgi import get_wsgi_application
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

SCHEMA_URL = "/api/schema/?format=json"
# No 500, and only status codes, content types and bodies the schema documents.
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


def load_schema():
    """The schema served at /api/schema/, read in-process through the WSGI app."""
    return schemathesis.openapi.from_wsgi(SCHEMA_URL, get_wsgi_application())


def assert_documented(schema, label: str, response) -> None:
    """A Django test response (``label``: "GET /api/v1/…/{id}/", the operation it
    answered) passes the fuzz suite's checks; raises naming what does not."""
    method, path = label.split(" ", 1)
    request = response.wsgi_request
    sent = requests.Request(method, request.build_absolute_uri()).prepare()
    answer = schemathesis.Response(
        status_code=response.status_code,
        headers={name.lower(): [value] for name, value in response.items()},
        content=response.content,
        request=sent,
        elapsed=0.0,
        verify=True,
    )
    schema[path][method].Case().validate_response(answer, checks=CHECKS)
