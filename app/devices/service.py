"""Autopilot for a related partner: device batches, their devices and uploads, configuration policies.

Every use case starts with `get_visible_customer`: a partner not related to the customer finds nothing (404)."""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError

from app.customers.service import get_visible_customer
from app.kernel.context import TenantContext
from app.kernel.errors import BadRequest, Conflict, NotFound
from app.kernel.lookup import one
from app.kernel.pagination import Page, PageRequest, keyset
from app.kernel.statements import add_now
from app.models import ConfigurationPolicy, Device, DeviceBatch, DeviceUpload


@dataclass(frozen=True)
class DeviceIdentity:
    serial_number: str | None = None
    product_key: str | None = None
    hardware_hash: str | None = None
    model_name: str | None = None
    oem_manufacturer_name: str | None = None

    def identifies(self) -> bool:
        """Partner Center's accepted combinations: a hardware hash (with or without product key and serial number),
        a product key alone, or a serial number with the OEM's name and the model's."""
        if self.hardware_hash or (self.product_key and not self.serial_number):
            return True
        return bool(self.serial_number and self.oem_manufacturer_name and self.model_name)


@dataclass(frozen=True)
class BatchSummary:
    batch: DeviceBatch
    devices_count: int


def _check_identities(devices: Sequence[DeviceIdentity]) -> None:
    for index, device in enumerate(devices):
        if not device.identifies():
            raise BadRequest(
                f"Device {index} is not identified: give its hardwareHash (optionally with productKey and "
                "serialNumber), its productKey alone, or its serialNumber with oemManufacturerName and modelName."
            )


async def _upload(ctx: TenantContext, batch: DeviceBatch, devices: Sequence[DeviceIdentity]) -> DeviceUpload:
    """Processed at once. A device the customer already has (same hardware hash, or same product key) is refused
    in its status line, as Partner Center reports a duplicate, while the others go in."""
    known = await _known_identities(ctx, batch.customer_tenant_id)
    statuses: list[dict[str, Any]] = []
    for device in devices:
        keys = {k for k in (device.hardware_hash, device.product_key) if k}
        if keys & known:
            statuses.append(_status(None, device, "finished_with_errors", "DeviceAlreadyExists"))
            continue
        known |= keys
        row = Device(sandbox_id=ctx.sandbox_id, id=await ctx.new_id(), batch_id=batch.id, uploaded_at=ctx.now)
        for name in ("serial_number", "product_key", "hardware_hash", "model_name", "oem_manufacturer_name"):
            setattr(row, name, getattr(device, name))
        ctx.session.add(row)
        statuses.append(_status(row.id, device, "finished", None))
    failed = any(s["status"] != "finished" for s in statuses)
    upload = DeviceUpload(
        sandbox_id=ctx.sandbox_id,
        id=await ctx.new_id(),
        batch_id=batch.id,
        customer_tenant_id=batch.customer_tenant_id,
        status="finished_with_errors" if failed else "finished",
        started_at=ctx.now,
        completed_at=ctx.now,
        devices_status=statuses,
    )
    await add_now(ctx.session, upload)
    return upload


def _status(device_id: uuid.UUID | None, device: DeviceIdentity, status: str, error: str | None) -> dict[str, Any]:
    return {
        "deviceId": str(device_id) if device_id else None,
        "serialNumber": device.serial_number,
        "productKey": device.product_key,
        "status": status,
        "errorCode": "409" if error else None,
        "errorDescription": "The device is already registered for this customer." if error else None,
    }


async def _known_identities(ctx: TenantContext, customer_id: uuid.UUID) -> set[str]:
    rows = await ctx.session.execute(
        select(Device.hardware_hash, Device.product_key)
        .join(DeviceBatch, (DeviceBatch.sandbox_id == Device.sandbox_id) & (DeviceBatch.id == Device.batch_id))
        .where(Device.sandbox_id == ctx.sandbox_id, DeviceBatch.customer_tenant_id == customer_id)
    )
    return {value for row in rows for value in row if value}


async def _batch(ctx: TenantContext, customer_id: uuid.UUID, name: str) -> DeviceBatch:
    found = (
        await ctx.session.execute(
            select(DeviceBatch).where(
                DeviceBatch.sandbox_id == ctx.sandbox_id,
                DeviceBatch.customer_tenant_id == customer_id,
                DeviceBatch.name == name,
            )
        )
    ).scalar_one_or_none()
    if found is None:
        raise NotFound("Device batch", name)
    return found


async def create_device_batch(
    ctx: TenantContext, *, customer_id: uuid.UUID, name: str, devices: Sequence[DeviceIdentity]
) -> DeviceUpload:
    """A new batch of the customer's devices, uploaded at once. A batch name the customer already has is a 409."""
    seen = await get_visible_customer(ctx, customer_id)
    _check_identities(devices)
    batch = DeviceBatch(
        sandbox_id=ctx.sandbox_id,
        id=await ctx.new_id(),
        customer_tenant_id=seen.tenant.id,
        name=name,
        created_by=ctx.actor.name,
        created_at=ctx.now,
    )
    try:
        async with ctx.session.begin_nested():
            ctx.session.add(batch)
    except IntegrityError:
        raise Conflict(f"The customer already has a device batch named {name!r}; upload into it instead.") from None
    return await _upload(ctx, batch, devices)


async def upload_devices(
    ctx: TenantContext, *, customer_id: uuid.UUID, batch_name: str, devices: Sequence[DeviceIdentity]
) -> DeviceUpload:
    seen = await get_visible_customer(ctx, customer_id)
    batch = await _batch(ctx, seen.tenant.id, batch_name)
    _check_identities(devices)
    return await _upload(ctx, batch, devices)


async def list_device_batches(ctx: TenantContext, *, customer_id: uuid.UUID) -> list[BatchSummary]:
    seen = await get_visible_customer(ctx, customer_id)
    counted = (
        select(DeviceBatch, func.count(Device.id))
        .outerjoin(Device, (Device.sandbox_id == DeviceBatch.sandbox_id) & (Device.batch_id == DeviceBatch.id))
        .where(DeviceBatch.sandbox_id == ctx.sandbox_id, DeviceBatch.customer_tenant_id == seen.tenant.id)
        .group_by(DeviceBatch.sandbox_id, DeviceBatch.id)
        .order_by(DeviceBatch.created_at, DeviceBatch.id)
    )
    return [BatchSummary(batch, count) for batch, count in (await ctx.session.execute(counted)).all()]


async def list_devices(
    ctx: TenantContext, *, customer_id: uuid.UUID, batch_name: str, page: PageRequest
) -> Page[Device]:
    seen = await get_visible_customer(ctx, customer_id)
    batch = await _batch(ctx, seen.tenant.id, batch_name)
    stmt = select(Device).where(Device.sandbox_id == ctx.sandbox_id, Device.batch_id == batch.id)
    return await keyset(ctx.session, stmt, keys=[Device.id], page=page)


async def delete_device(ctx: TenantContext, *, customer_id: uuid.UUID, batch_name: str, device_id: uuid.UUID) -> None:
    seen = await get_visible_customer(ctx, customer_id)
    batch = await _batch(ctx, seen.tenant.id, batch_name)
    device = await one(ctx, Device, device_id, what="Device", where=[Device.batch_id == batch.id])
    await ctx.session.delete(device)
    await ctx.session.flush()


async def batch_upload_status(ctx: TenantContext, *, customer_id: uuid.UUID, tracking_id: uuid.UUID) -> DeviceUpload:
    seen = await get_visible_customer(ctx, customer_id)
    return await one(
        ctx, DeviceUpload, tracking_id, what="Batch upload", where=[DeviceUpload.customer_tenant_id == seen.tenant.id]
    )


# --- configuration policies -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PolicyFields:
    name: str
    category: str
    description: str | None
    policy_settings: list[str]


async def create_policy(ctx: TenantContext, *, customer_id: uuid.UUID, fields: PolicyFields) -> ConfigurationPolicy:
    seen = await get_visible_customer(ctx, customer_id)
    policy = ConfigurationPolicy(
        sandbox_id=ctx.sandbox_id,
        id=await ctx.new_id(),
        customer_tenant_id=seen.tenant.id,
        name=fields.name,
        category=fields.category,
        description=fields.description,
        policy_settings=list(fields.policy_settings),
        created_at=ctx.now,
        last_modified_at=ctx.now,
    )
    await add_now(ctx.session, policy)
    return policy


async def list_policies(ctx: TenantContext, *, customer_id: uuid.UUID) -> list[ConfigurationPolicy]:
    seen = await get_visible_customer(ctx, customer_id)
    stmt = (
        select(ConfigurationPolicy)
        .where(
            ConfigurationPolicy.sandbox_id == ctx.sandbox_id, ConfigurationPolicy.customer_tenant_id == seen.tenant.id
        )
        .order_by(ConfigurationPolicy.created_at, ConfigurationPolicy.id)
    )
    return list((await ctx.session.execute(stmt)).scalars())


async def get_policy(
    ctx: TenantContext, *, customer_id: uuid.UUID, policy_id: uuid.UUID, for_update: bool = False
) -> ConfigurationPolicy:
    seen = await get_visible_customer(ctx, customer_id)
    return await one(
        ctx,
        ConfigurationPolicy,
        policy_id,
        what="Configuration policy",
        for_update=for_update,
        where=[ConfigurationPolicy.customer_tenant_id == seen.tenant.id],
    )


async def update_policy(
    ctx: TenantContext, *, customer_id: uuid.UUID, policy_id: uuid.UUID, fields: PolicyFields
) -> ConfigurationPolicy:
    """A PUT replaces the policy's name, category, description and settings."""
    policy = await get_policy(ctx, customer_id=customer_id, policy_id=policy_id, for_update=True)
    policy.name, policy.category = fields.name, fields.category
    policy.description, policy.policy_settings = fields.description, list(fields.policy_settings)
    policy.last_modified_at = ctx.now
    await ctx.session.flush()
    return policy


async def delete_policy(ctx: TenantContext, *, customer_id: uuid.UUID, policy_id: uuid.UUID) -> None:
    policy = await get_policy(ctx, customer_id=customer_id, policy_id=policy_id, for_update=True)
    await ctx.session.execute(
        delete(ConfigurationPolicy).where(
            ConfigurationPolicy.sandbox_id == ctx.sandbox_id, ConfigurationPolicy.id == policy.id
        )
    )
