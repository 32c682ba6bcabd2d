"""The control surface for faults: make the platform misbehave on purpose."""

import uuid
from typing import Any

from fastapi import Response, status
from pydantic import Field

from app.kernel import faults
from app.kernel.pipeline import Operator, control_router
from app.models import FaultKind
from app.wire import Request, Schema

router = control_router(tags=["control: faults"])


class FaultCreate(Request):
    kind: FaultKind
    method: str = Field("*", pattern=r"^(\*|GET|POST|PUT|PATCH|DELETE)$", description="`*` matches any method.")
    path_prefix: str = Field(min_length=1, max_length=500, examples=["/v1/customers"])
    probability: float | None = Field(None, ge=0, le=1, allow_inf_nan=False)
    count: int | None = Field(None, ge=1, le=1_000_000, description="Apply to the next N matching calls.")
    status_code: int | None = Field(None, ge=400, le=599, description="error: the status to answer, 400 to 599.")
    # Stored in a 32-bit integer column on PostgreSQL; Partner Center's own codes are far smaller.
    error_code: int | None = Field(
        None, ge=0, le=2_147_483_647, description="error: Partner Center's code in the body (0 to 2147483647)."
    )
    message: str | None = Field(None, max_length=1000)
    retry_after_seconds: int | None = Field(None, ge=1, le=3600, description="throttle: Retry-After.")
    latency_ms: int | None = Field(None, ge=1, le=60_000, description="latency: milliseconds added.")


class FaultOut(Schema):
    id: uuid.UUID
    kind: FaultKind
    method: str
    path_prefix: str
    probability: float | None
    remaining: int | None
    status_code: int | None
    error_code: int | None
    message: str | None
    retry_after_seconds: int | None
    latency_ms: int | None
    hits: int


class FaultList(Schema):
    items: list[FaultOut]


@router.post("/faults", status_code=status.HTTP_201_CREATED, response_model=FaultOut, summary="Add a fault rule")
async def add_fault(ctx: Operator, body: FaultCreate) -> Any:
    """`throttle` (429, Retry-After, the gateway's body), `error` (a status in the surface's error shape) or
    `latency` (added milliseconds), with a probability or for the next `count` matching calls. Never on /sim."""
    return FaultOut.model_validate(await faults.add_rule(ctx, **body.model_dump()))


@router.get("/faults", response_model=FaultList, summary="List fault rules")
async def list_faults(ctx: Operator) -> Any:
    return FaultList(items=[FaultOut.model_validate(r) for r in await faults.list_rules(ctx)])


@router.delete("/faults/{fault_id}", status_code=status.HTTP_204_NO_CONTENT, summary="Remove a fault rule")
async def remove_fault(ctx: Operator, fault_id: uuid.UUID) -> Response:
    await faults.remove_rule(ctx, fault_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
