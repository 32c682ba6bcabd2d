"""Partner Center's device deployment (`/v1/customers/{customer_id}/deviceBatches`, `/policies`, `/batchJobStatus`),
its fraud events (`/v1/fraudEvents`), and the operator's way to raise one."""

import uuid
from typing import Annotated, Any

from fastapi import Depends, Query, Request, Response, status

from app.customers import service as customers
from app.devices import fraud, service
from app.devices.schemas import (
    BatchUploadDetails,
    ConfigurationPolicyIn,
    ConfigurationPolicyOut,
    DeviceBatchCreationRequest,
    DeviceBatchOut,
    DeviceIn,
    DeviceOut,
    DeviceUploadDetails,
    FraudEventIn,
    FraudEventOut,
)
from app.kernel.pagination import Collection, Link, Page, PageRequest, collection, page_request
from app.kernel.pipeline import PARTNER_CENTER_API, Operator, PartnerCaller, control_router
from app.models import ConfigurationPolicy, Device, DeviceUpload


async def _visible_customer(ctx: PartnerCaller, customer_id: uuid.UUID) -> None:
    """A stranger learns nothing, not even whether its body was well formed: visibility is settled before the body is
    read (each service function asks again, as every read of a customer does)."""
    await customers.get_visible_customer(ctx, customer_id)


TAGS: list[Any] = ["partner center: devices"]
router = PARTNER_CENTER_API.router(
    tags=TAGS, prefix="/customers/{customer_id}", dependencies=[Depends(_visible_customer)]
)
partner = PARTNER_CENTER_API.router(tags=TAGS)
control = control_router(tags=["control: fraud events"])
Pages = Annotated[PageRequest, Depends(page_request)]


def _identities(devices: list[DeviceIn]) -> list[service.DeviceIdentity]:
    return [
        service.DeviceIdentity(
            serial_number=d.serial_number,
            product_key=d.product_key,
            hardware_hash=d.hardware_hash,
            model_name=d.model_name,
            oem_manufacturer_name=d.oem_manufacturer_name,
        )
        for d in devices
    ]


def _upload(upload: DeviceUpload) -> BatchUploadDetails:
    return BatchUploadDetails(
        batch_tracking_id=str(upload.id),
        status=upload.status,
        started_time=upload.started_at,
        completed_time=upload.completed_at,
        devices_status=[DeviceUploadDetails.model_validate(s) for s in upload.devices_status],
    )


def _accepted(customer_id: uuid.UUID, upload: DeviceUpload, response: Response) -> BatchUploadDetails:
    # Partner Center's Location, as documented: relative and without the version (the SDK takes the last segment).
    response.headers["Location"] = f"/customers/{customer_id}/batchJobStatus/{upload.id}"
    return _upload(upload)


def _device(device: Device) -> DeviceOut:
    return DeviceOut(
        id=str(device.id),
        serial_number=device.serial_number,
        product_key=device.product_key,
        hardware_hash=device.hardware_hash,
        model_name=device.model_name,
        oem_manufacturer_name=device.oem_manufacturer_name,
        uploaded_date=device.uploaded_at,
    )


def _policy(policy: ConfigurationPolicy) -> ConfigurationPolicyOut:
    return ConfigurationPolicyOut(
        id=str(policy.id),
        name=policy.name,
        category=policy.category,
        description=policy.description,
        devices_assigned=0,  # assigning policies to devices (DevicePolicyUpdates) is not served yet
        policy_settings=policy.policy_settings,
        created_date=policy.created_at,
        last_modified_date=policy.last_modified_at,
    )


def _policy_fields(body: ConfigurationPolicyIn) -> service.PolicyFields:
    return service.PolicyFields(
        name=body.name,
        category=body.category.value,
        description=body.description,
        policy_settings=[s.value for s in body.policy_settings],
    )


def _listed(request: Request, items: list[Any]) -> Collection[Any]:
    return collection(request, Page(items=items, total=len(items), next_token=None), items)


@router.post(
    "/deviceBatches",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=BatchUploadDetails,
    summary="Create a device batch with its devices",
)
async def create_device_batch(
    ctx: PartnerCaller, customer_id: uuid.UUID, response: Response, body: DeviceBatchCreationRequest
) -> Any:
    """Partner Center answers 202 with a `Location` of the upload's status (`batchJobStatus/{trackingId}`); cspsim
    processes the upload at once and also answers that status. A batch name the customer has already is a 409."""
    upload = await service.create_device_batch(
        ctx, customer_id=customer_id, name=body.batch_id, devices=_identities(body.devices)
    )
    return _accepted(customer_id, upload, response)


@router.get("/deviceBatches", response_model=Collection[DeviceBatchOut], summary="List a customer's device batches")
async def list_device_batches(ctx: PartnerCaller, request: Request, customer_id: uuid.UUID) -> Any:
    found = await service.list_device_batches(ctx, customer_id=customer_id)
    items = [
        DeviceBatchOut(
            id=s.batch.name,
            created_by=s.batch.created_by,
            creation_date=s.batch.created_at,
            devices_count=s.devices_count,
            devices_link=Link(uri=f"/customers/{customer_id}/deviceBatches/{s.batch.name}/devices"),
        )
        for s in found
    ]
    return _listed(request, items)


@router.post(
    "/deviceBatches/{batch_id}/devices",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=BatchUploadDetails,
    summary="Upload devices to a device batch",
)
async def upload_devices(
    ctx: PartnerCaller, customer_id: uuid.UUID, batch_id: str, response: Response, body: list[DeviceIn]
) -> Any:
    """The body is a JSON array of devices. 202 with a `Location` of the upload's status."""
    upload = await service.upload_devices(ctx, customer_id=customer_id, batch_name=batch_id, devices=_identities(body))
    return _accepted(customer_id, upload, response)


@router.get("/deviceBatches/{batch_id}/devices", response_model=Collection[DeviceOut], summary="List a batch's devices")
async def list_devices(ctx: PartnerCaller, request: Request, customer_id: uuid.UUID, batch_id: str, page: Pages) -> Any:
    found = await service.list_devices(ctx, customer_id=customer_id, batch_name=batch_id, page=page)
    return collection(request, found, [_device(d) for d in found.items])


@router.delete(
    "/deviceBatches/{batch_id}/devices/{device_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    summary="Delete a device from a batch",
)
async def delete_device(ctx: PartnerCaller, customer_id: uuid.UUID, batch_id: str, device_id: uuid.UUID) -> Response:
    await service.delete_device(ctx, customer_id=customer_id, batch_name=batch_id, device_id=device_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/batchJobStatus/{tracking_id}", response_model=BatchUploadDetails, summary="Read a device upload's status")
async def read_batch_upload_status(ctx: PartnerCaller, customer_id: uuid.UUID, tracking_id: uuid.UUID) -> Any:
    return _upload(await service.batch_upload_status(ctx, customer_id=customer_id, tracking_id=tracking_id))


@router.post("/policies", response_model=ConfigurationPolicyOut, summary="Create a configuration policy")
async def create_policy(ctx: PartnerCaller, customer_id: uuid.UUID, body: ConfigurationPolicyIn) -> Any:
    """200 with the new policy, as Partner Center's documented example answers (not 201)."""
    return _policy(await service.create_policy(ctx, customer_id=customer_id, fields=_policy_fields(body)))


@router.get("/policies", response_model=Collection[ConfigurationPolicyOut], summary="List configuration policies")
async def list_policies(ctx: PartnerCaller, request: Request, customer_id: uuid.UUID) -> Any:
    return _listed(request, [_policy(p) for p in await service.list_policies(ctx, customer_id=customer_id)])


@router.get("/policies/{policy_id}", response_model=ConfigurationPolicyOut, summary="Read a configuration policy")
async def read_policy(ctx: PartnerCaller, customer_id: uuid.UUID, policy_id: uuid.UUID) -> Any:
    return _policy(await service.get_policy(ctx, customer_id=customer_id, policy_id=policy_id))


@router.put("/policies/{policy_id}", response_model=ConfigurationPolicyOut, summary="Update a configuration policy")
async def update_policy(
    ctx: PartnerCaller, customer_id: uuid.UUID, policy_id: uuid.UUID, body: ConfigurationPolicyIn
) -> Any:
    return _policy(
        await service.update_policy(ctx, customer_id=customer_id, policy_id=policy_id, fields=_policy_fields(body))
    )


@router.delete(
    "/policies/{policy_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    summary="Delete a configuration policy",
)
async def delete_policy(ctx: PartnerCaller, customer_id: uuid.UUID, policy_id: uuid.UUID) -> Response:
    await service.delete_policy(ctx, customer_id=customer_id, policy_id=policy_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# --- fraud events ---------------------------------------------------------------------------------------------------


def _fraud_event(seen: fraud.SeenFraudEvent) -> FraudEventOut:
    event = seen.event
    return FraudEventOut(
        event_time=event.first_occurrence,
        event_id=f"{event.subscription_id}_{event.id}",  # Partner Center's ids join subscription and entity
        partner_tenant_id=str(event.partner_tenant_id),
        partner_friendly_name=seen.partner_name,
        customer_tenant_id=str(event.customer_tenant_id),
        customer_friendly_name=seen.customer_name,
        subscription_id=event.subscription_id,
        entity_id=str(event.id),
        entity_name=event.entity_name,
        entity_url=f"/subscriptions/{event.subscription_id}/resourceGroups/{event.resource_group_name}",
        hit_count=str(event.hit_count),
        catalog_offer_id="DZH318Z0BPS6:0001",  # the Azure plan: the only Azure cspsim sells
        event_status=event.event_status,
        service_name=event.service_name,
        resource_name=event.resource_name,
        resource_group_name=event.resource_group_name,
        first_occurrence=event.first_occurrence,
        last_occurrence=event.last_occurrence,
    )


@partner.get("/fraudEvents", response_model=list[FraudEventOut], summary="List Azure fraud events")
async def list_fraud_events(
    ctx: PartnerCaller,
    event_status: Annotated[str | None, Query(alias="EventStatus", max_length=20)] = None,
    subscription_id: Annotated[str | None, Query(alias="SubscriptionId", max_length=64)] = None,
) -> Any:
    """A bare JSON array, as Partner Center answers it; empty unless the operator raised an alert on one of your
    customers (`POST /sim/v1/sandboxes/{sandbox_id}/fraudEvents`)."""
    found = await fraud.list_fraud_events(ctx, event_status=event_status, subscription_id=subscription_id)
    return [_fraud_event(s) for s in found]


@control.post(
    "/fraudEvents",
    status_code=status.HTTP_201_CREATED,
    response_model=FraudEventOut,
    summary="Raise an Azure fraud alert on a partner's customer",
)
async def raise_fraud_event(ctx: Operator, body: FraudEventIn) -> Any:
    alert = fraud.Alert(**body.model_dump())
    return _fraud_event(await fraud.raise_fraud_event(ctx, alert=alert))
