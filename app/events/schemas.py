import uuid
from datetime import datetime
from typing import Any

from pydantic import Field

from app.kernel.pagination import ResourceAttributes
from app.wire import Schema


class NotificationOut(Schema):
    id: uuid.UUID
    to: str = Field(validation_alias="recipient")
    kind: str
    subject: str
    body: str
    sent_at: datetime
    attributes: ResourceAttributes = ResourceAttributes(object_type="Notification")


class EventOut(Schema):
    id: uuid.UUID
    name: str
    resource_type: str
    resource_id: str
    tenant_ids: list[str]
    data: dict[str, Any]
    occurred_at: datetime


class AuditRecordOut(Schema):
    """Partner Center's AuditRecord."""

    id: uuid.UUID
    partner_id: uuid.UUID | None = Field(validation_alias="tenant_id")
    customer_id: uuid.UUID | None
    user_principal_name: str = Field(validation_alias="actor")
    application_id: str | None
    resource_type: str
    resource_id: str
    operation_type: str
    operation_status: str
    operation_date: datetime = Field(validation_alias="occurred_at")
    resource_old_value: dict[str, Any] | None = Field(validation_alias="old_value")
    resource_new_value: dict[str, Any] | None = Field(validation_alias="new_value")
    attributes: ResourceAttributes = ResourceAttributes(object_type="AuditRecord")
