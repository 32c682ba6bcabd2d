"""Partner Center's DevicesDeployment and fraud resources, in its camelCase."""

import uuid
from datetime import datetime
from typing import Any

from pydantic import Field

from app.kernel.pagination import Link, ResourceAttributes
from app.wire import Request, Schema, WireEnum


class PolicyCategory(WireEnum):
    NONE = "none"
    OOBE = "o_o_b_e"


class PolicySetting(WireEnum):
    NONE = "none"
    REMOVE_OEM_PREINSTALLS = "remove_oem_preinstalls"
    OOBE_USER_NOT_LOCAL_ADMIN = "oobe_user_not_local_admin"
    SKIP_EXPRESS_SETTINGS = "skip_express_settings"
    SKIP_OEM_REGISTRATION = "skip_oem_registration"
    SKIP_EULA = "skip_eula"


class DeviceIn(Request):
    """A device as the .NET SDK serializes it: every property present, the server-made ones null or defaulted."""

    id: str | None = None
    serial_number: str | None = Field(None, max_length=128)
    product_key: str | None = Field(None, max_length=64)
    hardware_hash: str | None = Field(None, max_length=8192)
    model_name: str | None = Field(None, max_length=128)
    oem_manufacturer_name: str | None = Field(None, max_length=128)
    # Server-made: read and ignored, so a client that echoes a device it read can upload it again.
    policies: list[Any] | None = None
    created_by: str | None = None
    uploaded_date: str | None = None
    allowed_operations: list[str] | None = None
    attributes: dict[str, Any] | None = None


class DeviceBatchCreationRequest(Request):
    batch_id: str = Field(min_length=1, max_length=128, description="The batch's name, chosen by its creator.")
    devices: list[DeviceIn] = Field(min_length=1, max_length=1000)
    attributes: dict[str, Any] | None = None


class ConfigurationPolicyIn(Request):
    name: str = Field(min_length=1, max_length=256)
    category: PolicyCategory = PolicyCategory.OOBE
    description: str | None = Field(None, max_length=1024)
    policy_settings: list[PolicySetting] = Field(min_length=1)
    # Server-made on the way out; a client that PUTs back what it read sends them too.
    id: str | None = None
    devices_assigned: int | None = None
    created_date: str | None = None
    last_modified_date: str | None = None
    attributes: dict[str, Any] | None = None


class DeviceOut(Schema):
    id: str
    serial_number: str | None
    product_key: str | None
    hardware_hash: str | None
    model_name: str | None
    oem_manufacturer_name: str | None
    policies: list[dict[str, str]] = Field(default_factory=list)
    uploaded_date: datetime
    allowed_operations: list[str] = Field(default_factory=lambda: ["GET", "PATCH", "DELETE"])
    attributes: ResourceAttributes = ResourceAttributes(object_type="Device")


class DeviceBatchOut(Schema):
    id: str
    created_by: str
    creation_date: datetime
    devices_count: int
    devices_link: Link
    attributes: ResourceAttributes = ResourceAttributes(object_type="DeviceBatch")


class DeviceUploadDetails(Schema):
    device_id: str | None
    serial_number: str | None
    product_key: str | None
    status: str
    error_code: str | None = None
    error_description: str | None = None
    attributes: ResourceAttributes = ResourceAttributes(object_type="DeviceUploadDetails")


class BatchUploadDetails(Schema):
    batch_tracking_id: str
    status: str
    started_time: datetime
    completed_time: datetime | None
    devices_status: list[DeviceUploadDetails]
    attributes: ResourceAttributes = ResourceAttributes(object_type="BatchUploadDetails")


class ConfigurationPolicyOut(Schema):
    id: str
    name: str
    category: str
    description: str | None
    devices_assigned: int
    policy_settings: list[str]
    created_date: datetime
    last_modified_date: datetime
    attributes: ResourceAttributes = ResourceAttributes(object_type="ConfigurationPolicy")


class FraudEventOut(Schema):
    """Partner Center's fraud event: its own flat shape (no attributes), listed as a bare JSON array."""

    event_time: datetime
    event_id: str
    partner_tenant_id: str
    partner_friendly_name: str
    customer_tenant_id: str
    customer_friendly_name: str
    subscription_id: str
    subscription_type: str = "modern"
    entity_id: str
    entity_name: str
    entity_url: str
    hit_count: str  # a string in Partner Center's own example ("10")
    catalog_offer_id: str
    event_status: str
    service_name: str
    resource_name: str
    resource_group_name: str
    first_occurrence: datetime
    last_occurrence: datetime
    resolved_reason: str | None = None
    resolved_on: datetime | None = None
    resolved_by: str | None = None


class FraudEventIn(Request):
    """What the operator raises: an alert on one customer's Azure subscription, for the partner that sells it."""

    partner_tenant_id: uuid.UUID
    customer_tenant_id: uuid.UUID
    subscription_id: str = Field(min_length=1, max_length=64)
    event_name: str = Field("CryptoMining", min_length=1, max_length=64)
    entity_name: str = Field("vm-miner-01", min_length=1, max_length=256)
    service_name: str = Field("Microsoft.Compute", min_length=1, max_length=128)
    resource_name: str = Field("vm-miner-01", min_length=1, max_length=256)
    resource_group_name: str = Field("rg-default", min_length=1, max_length=256)
    hit_count: int = Field(1, ge=1, le=1_000_000)
