"""The OpenAPI schema's error answers, documented once for every operation.

DRF refuses requests before a view's code runs (authentication, permissions,
throttles, parsing, pagination, filters) and ``shop.api.errors`` turns domain
errors into 4xx, so every operation can answer some of 400, 401, 403, 404, 415
and 429 whatever its ``extend_schema`` says. Left out, clients (and the fuzz suite,
``make fuzz``) meet status codes the schema never mentions. An operation's own
description of a code wins. Errors are JSON whatever the operation's success is
(a PDF, a CSV), and one declared by description only gets the shape all have.
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular import openapi
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse
from rest_framework import permissions, serializers

JSON = "application/json"
# Query parameters whose bad values are ignored or answered 404, never 400.
NOT_VALIDATED = {"page", "page_size", "cursor", "format"}
BODY_METHODS = {"POST", "PUT", "PATCH"}
# DRF's field errors: each refused field with its messages (nested for the items
# of a list), or ``detail`` alone for a body that could not be read.
FIELD_ERRORS_SCHEMA = {
    "type": "object",
    "additionalProperties": {
        "anyOf": [{"type": "string"}, {"type": "array"}, {"type": "object"}]
    },
}


class ErrorSerializer(serializers.Serializer):
    """DRF's shape for an error that is not about a field: one message."""

    detail = serializers.CharField()


class FieldErrorsOr:
    """A 400 whose body has ``serializer``'s shape (the service's refusal) or,
    when the request's fields were refused before the service ran, DRF's field
    errors."""

    def __init__(self, serializer, description=""):
        self.serializer = serializer
        self.description = description


ERROR_BODY = OpenApiResponse(
    OpenApiTypes.OBJECT, description=_("What was refused, and why")
)


def _answer(serializer, description):
    return OpenApiResponse(serializer, description=description)


class AutoSchema(openapi.AutoSchema):
    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(
            path, path_regex, path_prefix, method, registry
        )
        if operation is None:
            return None
        responses = operation["responses"]
        for code, answer in self._error_answers(operation).items():
            if code not in responses:
                responses[code] = self._get_response_for_code(answer, code)
        for code, response in responses.items():
            if code.startswith(("4", "5")):
                response["content"] = {JSON: self._error_content(code, response)}
        return operation

    def _get_response_for_code(
        self, serializer, status_code, media_types=None, direction="response"
    ):
        if not isinstance(serializer, FieldErrorsOr):
            return super()._get_response_for_code(
                serializer, status_code, media_types, direction
            )
        response = super()._get_response_for_code(
            OpenApiResponse(serializer.serializer, serializer.description),
            status_code,
            media_types,
            direction,
        )
        for content in response["content"].values():
            content["schema"] = {"anyOf": [content["schema"], FIELD_ERRORS_SCHEMA]}
        return response

    def _error_content(self, code, response) -> dict:
        """The JSON body of an error response: its own if it declares one."""
        content = response.get("content", {})
        if JSON in content:
            return content[JSON]
        if content:
            return next(iter(content.values()))
        return self._get_response_for_code(ERROR_BODY, code)["content"][JSON]

    def _error_answers(self, operation) -> dict:
        query = {
            p["name"] for p in operation.get("parameters", []) if p["in"] == "query"
        }
        has_body = self.method in BODY_METHODS
        answers = {}
        if has_body or query - NOT_VALIDATED:
            answers["400"] = OpenApiResponse(
                FIELD_ERRORS_SCHEMA, description=_("The refused fields")
            )
        if self._needs_sign_in():
            answers["401"] = _answer(ErrorSerializer, _("Not signed in"))
            answers["403"] = _answer(ErrorSerializer, _("Not allowed to you"))
        if "{" in self.path or query & {"page", "format"}:
            answers["404"] = _answer(
                ErrorSerializer, _("No such object for you, page or format")
            )
        if has_body:
            answers["415"] = _answer(ErrorSerializer, _("A body of another type"))
        if self.view.get_throttles():
            answers["429"] = _answer(ErrorSerializer, _("Too many requests"))
        return answers

    def _needs_sign_in(self) -> bool:
        return any(
            not isinstance(permission, permissions.AllowAny)
            for permission in self.view.get_permissions()
        )
