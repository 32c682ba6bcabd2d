"""A route's endpoint called directly: its dependencies solved by a plan made once, not by FastAPI's general solver.

FastAPI's request handler serves every shape of route (generators, thread-pooled functions, security scopes,
overrides, streams, telemetry spans), and works out on each request what applies: in process it was a sixth of a
GET's CPU (issue 17). Every route of ours is one of a few shapes: an async endpoint whose dependencies are async
functions (a surface's caller, the page request), with path, query and header parameters and maybe a JSON body. For
such a route `direct_handler` makes a plan when the route is built and, per request, does what FastAPI's handler
does for it, with the same errors in the same order: a parameter sent as one text under one name validated by its
field with FastAPI's loc, any other by `request_params_to_args`, the body by `request_body_to_args`, a form that is
one model of text fields (Entra's token request) read as FastAPI reads it (`_FormModel`); a dependency
named twice run once (FastAPI's cache key), the sub-response a `Response` parameter sets merged as FastAPI merges
it, the answer serialized by `serialize_response`. Anything else, or a request FastAPI would trace (telemetry) or
solve with overridden dependencies, goes to FastAPI's handler.
"""

import contextlib
import email.message
import inspect
import json
from collections.abc import Callable, Coroutine, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, get_args

from fastapi import params, routing
from fastapi._body_limit import get_body_limit_error
from fastapi._compat import ModelField, Undefined, field_annotation_is_sequence, get_cached_model_fields
from fastapi.datastructures import DefaultPlaceholder
from fastapi.dependencies.models import Dependant, _get_cache_key
from fastapi.dependencies.utils import (
    _get_form_models,
    _get_param_aliases,
    _get_param_model,
    _is_empty_file_input,
    _is_json_field,
    _validate_value_with_model_field,
    request_body_to_args,
    request_params_to_args,
)
from fastapi.exceptions import RequestValidationError
from fastapi.telemetry import get_telemetry_data
from fastapi.utils import is_body_allowed_for_status_code
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.middleware.body_limit import MAX_BODY_SIZE_SCOPE_KEY
from starlette.requests import Request
from starlette.responses import Response

Handler = Callable[[Request], Coroutine[Any, Any, Response]]
_SOURCES: tuple[tuple[str, Callable[[Request], Mapping[str, Any]]], ...] = (
    ("path_params", lambda request: request.path_params),
    ("query_params", lambda request: request.query_params),
    ("header_params", lambda request: request.headers),
    ("cookie_params", lambda request: request.cookies),
)


@dataclass(frozen=True)
class _Plan:
    """How one dependant's values are made: its dependencies in order, then its parameters, then its body."""

    steps: tuple["_Step", ...]
    params: tuple["_Params", ...]
    body: tuple[ModelField, ...]
    form: "_FormModel | None"  # the body, when it is one form model of text fields
    request_names: tuple[str, ...]  # the parameters that take the request (as a `Request`, an `HTTPConnection`)
    response_name: str | None

    @classmethod
    def of(cls, dependant: Dependant) -> "_Plan | None":
        if (
            dependant.background_tasks_param_name
            or dependant.security_scopes_param_name
            or dependant.websocket_param_name
            or dependant.own_oauth_scopes
        ):
            return None
        form = None
        if any(isinstance(field.field_info, params.Form) for field in dependant.body_params):
            form = _FormModel.of(dependant.body_params)
            if form is None:
                return None
        steps = []
        for sub in dependant.dependencies:
            call = sub.call
            if call is None or not inspect.iscoroutinefunction(call) or inspect.isasyncgenfunction(call):
                return None
            plan = cls.of(sub)
            if plan is None or sub.concurrency is not None or plan.form is not None:  # a form is the route's own
                return None
            steps.append(_Step(sub.name, _get_cache_key(dependant=sub), sub.use_cache, call, plan))
        return cls(
            steps=tuple(steps),
            params=tuple(
                _Params.of(getattr(dependant, name), source) for name, source in _SOURCES if getattr(dependant, name)
            ),
            body=tuple(dependant.body_params),
            form=form,
            request_names=tuple(
                name for name in (dependant.http_connection_param_name, dependant.request_param_name) if name
            ),
            response_name=dependant.response_param_name,
        )

    async def solve(self, request: Request, solving: "_Solving") -> dict[str, Any]:
        """As FastAPI's `solve_dependencies`: a dependency's own values first, then the cache, then the call; a
        dependency whose values failed is not called; every error is collected."""
        values: dict[str, Any] = {}
        for step in self.steps:
            failed = len(solving.errors)
            arguments = await step.plan.solve(request, solving)
            if len(solving.errors) > failed:
                continue
            if step.use_cache and step.key in solving.cache:
                solved = solving.cache[step.key]
            else:
                solved = await step.call(**arguments)
            if step.name is not None:
                values[step.name] = solved
            solving.cache.setdefault(step.key, solved)
        for kind in self.params:
            found, errors = kind.read(source=kind.source(request))
            values.update(found)
            solving.errors += errors
        if self.form is not None:
            found, errors = self.form.read(solving.body)
            values.update(found)
            solving.errors += errors
        elif self.body:
            found, errors = await request_body_to_args(
                body_fields=list(self.body), received_body=solving.body, embed_body_fields=solving.embed_body_fields
            )
            values.update(found)
            solving.errors += errors
        for name in self.request_names:
            values[name] = request
        if self.response_name:
            values[self.response_name] = solving.sub_response()
        return values


@dataclass(frozen=True)
class _Params:
    """One kind of a dependant's parameters (path, query, header or cookie) and where the request holds them. Those
    whose value is one text under one name (most are) are validated by their field directly, when the request sends
    them; anything else goes through `request_params_to_args` (its search for aliases, lists and models is general,
    and was a twentieth of a GET's CPU for one path parameter)."""

    fields: Sequence[ModelField]
    source: Callable[[Request], Mapping[str, Any]]
    plain: tuple[tuple[ModelField, str, tuple[str, str]], ...] | None  # each field, its name in the request, its loc

    @classmethod
    def of(cls, fields: Sequence[ModelField], source: Callable[[Request], Mapping[str, Any]]) -> "_Params":
        plain = []
        for field in fields:
            aliases = _get_param_aliases(field)
            if (
                len(aliases) != 1
                or _get_param_model(field) is not None
                or _is_json_field(field)
                or field_annotation_is_sequence(field.field_info.annotation)
                or not isinstance(field.field_info, params.Param)
            ):
                return cls(fields, source, None)
            key = aliases[0][1]
            plain.append((field, key, (field.field_info.in_.value, key)))
        return cls(fields, source, tuple(plain))

    def read(self, *, source: Mapping[str, Any]) -> tuple[dict[str, Any], list[Any]]:
        if self.plain is None:
            return request_params_to_args(self.fields, source)
        values: dict[str, Any] = {}
        errors: list[Any] = []
        for field, key, loc in self.plain:
            sent = source.get(key)
            if sent is None:  # not sent: its default, or that it is required, as FastAPI says it
                value, invalid = _validate_value_with_model_field(field=field, value=Undefined, values=values, loc=loc)
            else:
                value, invalid = field.validate(sent, values, loc=loc)
            if invalid:
                errors += invalid
            else:
                values[field.name] = value
        return values, errors


@dataclass(frozen=True)
class _FormModel:
    """A body that is one form model (`Annotated[Model, Form()]`) of text fields, no files, no lists, extra fields
    ignored: the model is validated from each field's first name sent with a value, as FastAPI's
    `request_body_to_args` makes it (an empty text is not sent; the model ignores the rest). FastAPI's general
    reading works out each field's shape again on every request: a fifth of a token request's CPU (issue 17)."""

    field: ModelField
    names: tuple[tuple[str, ...], ...]  # each field's names in the form, as FastAPI tries them

    @classmethod
    def of(cls, fields: Sequence[ModelField]) -> "_FormModel | None":
        if len(fields) != 1:
            return None
        field = fields[0]
        models = _get_form_models(field)
        if len(models) != 1 or type(None) in get_args(field.field_info.annotation):
            return None
        if models[0].model_config.get("extra") in ("allow", "forbid"):  # the extra fields would count
            return None
        inner = get_cached_model_fields(models[0])
        if any(
            isinstance(item.field_info, params.File)
            or _is_json_field(item)
            or field_annotation_is_sequence(item.field_info.annotation)
            for item in inner
        ):
            return None
        return cls(field, tuple(tuple(name for name, _ in _get_param_aliases(item)) for item in inner))

    def read(self, form: FormData) -> tuple[dict[str, Any], list[Any]]:
        sent: dict[str, Any] = {}
        for names in self.names:
            for name in names:
                value = form.get(name)
                if value is not None and value != "" and not _is_empty_file_input(value):
                    sent[name] = value
                    break
        value, errors = self.field.validate(sent, {}, loc=("body",))
        return ({} if errors else {self.field.name: value}), errors


@dataclass(frozen=True)
class _Step:
    name: str | None
    key: Any
    use_cache: bool
    call: Callable[..., Coroutine[Any, Any, Any]]
    plan: _Plan


class _Solving:
    """One request's solving: the dependencies run so far, the errors, the body, the sub-response if asked for."""

    __slots__ = ("body", "cache", "embed_body_fields", "errors", "response")

    def __init__(self, body: Any, embed_body_fields: bool) -> None:
        self.body = body
        self.embed_body_fields = embed_body_fields
        self.cache: dict[Any, Any] = {}
        self.errors: list[Any] = []
        self.response: Response | None = None

    def sub_response(self) -> Response:
        if self.response is None:
            self.response = Response()
            del self.response.headers["content-length"]
            self.response.status_code = None  # type: ignore[assignment]  # as FastAPI's: set only if a route sets it
        return self.response


def direct_handler(route: Any, fallback: Handler) -> Handler:
    """The route's handler: its endpoint called directly when its shape allows (see the module), else `fallback`
    (FastAPI's own handler for it)."""
    dependant = route.dependant
    endpoint = dependant.call
    plan = _Plan.of(dependant)
    body_field = route.body_field
    if (
        plan is None
        or endpoint is None
        or not inspect.iscoroutinefunction(endpoint)
        or route.is_sse_stream
        or route.is_json_stream
        or route.stream_item_field is not None
        or (body_field is not None and isinstance(body_field.field_info, params.Form) and plan.form is None)
    ):
        return fallback
    form_limits = getattr(route, "original_route", route).form_limits
    response_class = route.response_class
    dump_json = route.response_field is not None and isinstance(response_class, DefaultPlaceholder)
    answer_class: type[Response] = (
        response_class.value if isinstance(response_class, DefaultPlaceholder) else response_class
    )
    strict = route.strict_content_type
    strict_content_type = strict.value if isinstance(strict, DefaultPlaceholder) else strict
    overrides = route.dependency_overrides_provider
    embed_body_fields = route._embed_body_fields
    field = route.response_field
    shaping: dict[str, Any] = {
        "include": route.response_model_include,
        "exclude": route.response_model_exclude,
        "by_alias": route.response_model_by_alias,
        "exclude_unset": route.response_model_exclude_unset,
        "exclude_defaults": route.response_model_exclude_defaults,
        "exclude_none": route.response_model_exclude_none,
    }

    async def handler(request: Request) -> Response:
        if get_telemetry_data() is not None or (overrides is not None and overrides.dependency_overrides):
            return await fallback(request)
        if plan.form is not None:
            body: Any = await _form(request, form_limits)
            try:
                return await answer(request, body)
            finally:
                await body.close()
        return await answer(request, await _body(request, strict_content_type) if body_field is not None else Undefined)

    async def answer(request: Request, body: Any) -> Response:
        solving = _Solving(body, embed_body_fields)
        values = await plan.solve(request, solving)
        if solving.errors:
            raise RequestValidationError(solving.errors, body=None if body is Undefined else body)
        raw = await endpoint(**values)
        if isinstance(raw, Response):
            return raw
        sub = solving.response
        status_code = sub.status_code if sub is not None and sub.status_code else route.status_code
        arguments: dict[str, Any] = {} if status_code is None else {"status_code": status_code}
        content = await routing.serialize_response(field=field, response_content=raw, dump_json=dump_json, **shaping)
        if dump_json:
            response = Response(content=content, media_type="application/json", **arguments)
        else:
            response = answer_class(content, **arguments)
        if not is_body_allowed_for_status_code(response.status_code):
            response.body = b""
        if sub is not None:
            response.headers.raw.extend(sub.headers.raw)
        return response

    return handler


async def _form(request: Request, limits: Any) -> FormData:
    """The request's form as FastAPI reads it, within the limits its routers and the route set."""
    with _reading_body(request):
        return await request.form(
            **routing._resolve_form_limits(request.scope.get(routing._FASTAPI_SCOPE_KEY, {}), limits)
        )


async def _body(request: Request, strict_content_type: bool) -> Any:
    """The request's body as FastAPI reads a JSON one: parsed when it says it is JSON (or says nothing and the route
    is not strict), else its bytes; nothing sent is no body."""
    with _reading_body(request):
        received = await request.body()
        if not received:
            return Undefined
        content_type = request.headers.get("content-type")
        if not content_type:
            return received if strict_content_type else await request.json()
        message = email.message.Message()
        message["content-type"] = content_type
        if message.get_content_maintype() == "application":
            subtype = message.get_content_subtype()
            if subtype == "json" or subtype.endswith("+json"):
                return await request.json()
        return received


@contextlib.contextmanager
def _reading_body(request: Request) -> Iterator[None]:
    """A body's reading failing as FastAPI answers it: bad JSON a validation error, a body past its limit that
    limit's error, anything else a 400."""
    try:
        yield
    except json.JSONDecodeError as error:
        invalid = {"type": "json_invalid", "loc": ("body", error.pos), "msg": "JSON decode error", "input": {}}
        raise RequestValidationError([{**invalid, "ctx": {"error": error.msg}}], body=error.doc) from error
    except HTTPException:
        raise
    except Exception as error:
        if MAX_BODY_SIZE_SCOPE_KEY in request.scope and (limit := get_body_limit_error(error)):
            raise limit from error
        raise HTTPException(status_code=400, detail="There was an error parsing the body") from error
