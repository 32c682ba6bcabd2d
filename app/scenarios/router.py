"""The control route that builds a whole world in a sandbox from one JSON or YAML document."""

import functools
from typing import Annotated, Any

from fastapi import Header, Request, status

from app.config import Settings
from app.identity.discovery import public_base
from app.kernel.db import keep_on_rollback
from app.kernel.pipeline import Operator, bearer, control_router
from app.scenarios import access, seed, service
from app.scenarios.schemas import ScenarioDocument, ScenarioLoaded, SeedPartnerOut, SeedRequest, SeedResult

router = control_router(tags=["control: sandboxes"])


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
    # The body is read by hand, so FastAPI cannot know that another media type is refused.
    responses={
        status.HTTP_415_UNSUPPORTED_MEDIA_TYPE: {
            "description": "The body is not JSON or YAML (`Content-Type`).",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/PartnerCenterError"}}},
        }
    },
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


@router.post("/seed", response_model=SeedResult, summary="Add bulk data: partners, customers, subscriptions")
async def seed_sandbox(
    ctx: Operator, request: Request, body: SeedRequest, authorization: Annotated[str | None, Header()] = None
) -> Any:
    """Direct-bill partners (`seed-partner-001`, ... made once, their credentials answered then), and this call's
    batch of customers spread over them, each with its subscriptions: built through the services in one
    transaction. Send batches (`cspsim seed` does) for large numbers."""
    seeded = await seed.seed(
        ctx,
        partners=body.partners,
        customers=body.customers,
        subscriptions=body.subscriptions,
        if_rolled_back=functools.partial(keep_on_rollback, request),
    )
    settings: Settings = request.app.state.settings
    handed = await access.handover(
        ctx,
        seeded.new_partners,
        base_url=public_base(settings, str(request.base_url)),
        admin_key=bearer(authorization) or "",
    )
    return SeedResult(
        partners=[
            SeedPartnerOut(
                ref=p.ref,
                tenant_id=p.tenant.id,
                domain=p.tenant.domain,
                partner_id=p.partner_id,
                customers=seeded.holdings[p.ref],
            )
            for p in seeded.partners
        ],
        new_partners=handed.partners,
        customers_created=seeded.customers_created,
        subscriptions_created=seeded.subscriptions_created,
        customers_total=seeded.customers_total,
    )
