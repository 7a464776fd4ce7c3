"""Every error of the API has one shape, ErrorOut, documented for every operation.

{"code": "not_found", "message": "…", "field": null, "errors": null}: `code` is stable for
programs, `message` is for people (in the request's language), `field` names the input at
fault when there is one, `errors` lists each invalid input of a request that does not
validate. A rejected reading adds the stored attempt (`reading`, RejectedOut in readings).
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.http.request import RawPostDataException
from django.utils.translation import gettext as _
from ninja import Schema
from ninja.errors import AuthenticationError, HttpError, Throttled, ValidationError

from kabinet.utility.exceptions import ApplicationError


class InputErrorOut(Schema):
    field: str
    message: str


class ErrorOut(Schema):
    code: str
    message: str
    field: str | None = None
    errors: list[InputErrorOut] | None = None


# The responses every operation may give, besides its own (OpenAPI).
COMMON = {
    400: "The request is not valid (code and message say why).",
    401: "No valid personal token or session: sign in or send `Authorization: Bearer kab_…`.",
    403: "Not allowed for this login.",
    404: "Not found among this login's objects.",
    409: "In conflict with the current state (e.g. a request with the same `Idempotency-Key` still running).",
    422: "An input does not validate; `errors` lists each one.",
    429: "Too many requests from this token or address: wait the seconds `Retry-After` says.",
}

_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    422: "invalid_request",
    429: "throttled",
}


class ApiError(HttpError):
    """An HTTP error with its own stable code (ErrorOut.code), e.g. 409 "key_in_progress"."""

    def __init__(self, status_code: int, code: str, message: str):
        super().__init__(status_code, message)
        self.code = code


def error_body(code: str, message: str, **extra) -> dict:
    return {"code": code, "message": str(message), "field": None, "errors": None, **extra}


def _input_name(loc) -> str:
    """("body", "payload", "value") -> "value"; ("query", "limit") -> "limit"."""
    return ".".join(str(part) for part in loc if part not in ("body", "payload", "query", "path"))


def install(api) -> None:
    """Register the handlers that give every error the ErrorOut shape."""

    @api.exception_handler(ApplicationError)
    def application_error(request: HttpRequest, exc: ApplicationError):
        return api.create_response(request, error_body(exc.code, exc.message, field=exc.field, **exc.extra), status=400)

    @api.exception_handler(ValidationError)
    def validation_error(request: HttpRequest, exc: ValidationError):
        errors = [{"field": _input_name(e.get("loc", ())), "message": e.get("msg", "")} for e in exc.errors]
        return api.create_response(
            request,
            error_body("invalid_request", _("Some inputs are not valid."), errors=errors),
            status=422,
        )

    @api.exception_handler(AuthenticationError)
    def authentication_error(request: HttpRequest, exc: AuthenticationError):
        return api.create_response(
            request, error_body("unauthorized", _("Sign in, or send a valid personal API token.")), status=401
        )

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError):
        code = getattr(exc, "code", None) or _CODES.get(exc.status_code, "error")
        message = exc.message
        if isinstance(exc, Throttled):
            message = _("Too many requests: wait a little and try again.")
        return api.create_response(request, error_body(code, message), status=exc.status_code)

    @api.exception_handler(Http404)
    def not_found(request: HttpRequest, exc: Http404):
        return api.create_response(request, error_body("not_found", _("Not found.")), status=404)

    @api.exception_handler(PermissionDenied)
    def forbidden(request: HttpRequest, exc: PermissionDenied):
        return api.create_response(request, error_body("forbidden", _("Not allowed.")), status=403)

    # A form (multipart) sent to an operation that takes JSON: the form was read before
    # the operation (ControlCharactersMiddleware checks its fields), so its body is gone.
    @api.exception_handler(RawPostDataException)
    def form_for_json(request: HttpRequest, exc: RawPostDataException):
        message = _("This operation takes a JSON body (Content-Type: application/json), not a form.")
        return api.create_response(request, error_body("unsupported_media_type", message), status=415)


def document(schema: dict) -> dict:
    """Add the common error responses to every operation of an OpenAPI schema."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    if "ErrorOut" not in components:
        own = ErrorOut.model_json_schema(ref_template="#/components/schemas/{model}")
        components.update(own.pop("$defs", {}))
        components["ErrorOut"] = own
    ref = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}}}
    for path in schema.get("paths", {}).values():
        for operation in path.values():
            responses = operation.setdefault("responses", {})
            secured = bool(operation.get("security"))
            for status, text in COMMON.items():
                if status in (401, 403) and not secured:
                    continue
                responses.setdefault(str(status), {"description": text, **ref})
            if "application/json" in operation.get("requestBody", {}).get("content", {}):
                responses.setdefault("415", {"description": "The body is a form, not JSON.", **ref})
    return schema
