"""The control route that builds a whole world in a sandbox from one JSON or YAML document."""

from typing import Annotated, Any

from fastapi import APIRouter, Header, Request, status

from app.config import Settings
from app.db import TransactionalRoute
from app.identity.discovery import public_base
from app.identity.principal import bearer
from app.sandboxes.router import TAG, Operator
from app.sandboxes.router import router as sandbox_router
from app.scenarios import access, service
from app.scenarios.schemas import ScenarioDocument, ScenarioLoaded

router = APIRouter(
    prefix=sandbox_router.prefix,
    tags=[TAG],
    route_class=TransactionalRoute,
    dependencies=sandbox_router.dependencies,
)


def _inlined(schema: dict[str, Any]) -> dict[str, Any]:
    """The document's JSON schema with its definitions written in place: the body is read by hand (it may be
    YAML), so FastAPI does not list its models among the components a `$ref` could point at."""
    definitions = schema.pop("$defs", {})

    def inline(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref", "")
            if ref.startswith("#/$defs/"):
                return inline(definitions[ref.removeprefix("#/$defs/")])
            return {key: inline(value) for key, value in node.items()}
        if isinstance(node, list):
            return [inline(item) for item in node]
        return node

    inlined: dict[str, Any] = inline(schema)
    return inlined


_DOCUMENT = _inlined(ScenarioDocument.model_json_schema(by_alias=True))


@router.post(
    "/scenarios",
    status_code=status.HTTP_201_CREATED,
    response_model=ScenarioLoaded,
    summary="Build a world from one JSON or YAML document",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {kind: {"schema": _DOCUMENT} for kind in ("application/json", "application/yaml", "text/yaml")},
        }
    },
)
async def load_scenario(ctx: Operator, request: Request, authorization: Annotated[str | None, Header()] = None) -> Any:
    """Partners with users, apps, revenue and programs; partnerships; customers created by a partner or won through
    an indirect reseller's invitation, their MCA, subscriptions bought elsewhere and CSP orders: built through the
    same services the API uses, in this one request's transaction. Entries name each other by `ref`. Answers each
    actor's tenant id, users and passwords, app credentials, a token request and a curl line that works. A bad
    document is a 400 naming the entry (`customers[2].reseller: no partner named 'tailspin'`); nothing is kept."""
    loaded = await service.load_scenario_text(
        ctx, raw=await request.body(), media_type=request.headers.get("content-type")
    )
    settings: Settings = request.app.state.settings
    return await access.handover(
        ctx, loaded, base_url=public_base(settings, str(request.base_url)), admin_key=bearer(authorization) or ""
    )
