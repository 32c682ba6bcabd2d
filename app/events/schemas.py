import json
import uuid
from datetime import datetime
from typing import Any

from pydantic import Field

from app.kernel.pagination import ResourceAttributes
from app.models import AuditRecord
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


class KeyValue(Schema):
    key: str
    value: str


class AuditRecordOut(Schema):
    """Partner Center's AuditRecord: the resource's values serialized as JSON strings, and `customizedData`, the
    new value's plain fields as key-value pairs."""

    id: uuid.UUID
    partner_id: uuid.UUID | None
    customer_id: uuid.UUID | None
    customer_name: str | None
    user_principal_name: str
    application_id: str | None
    resource_type: str
    resource_id: str
    operation_type: str
    operation_status: str
    operation_date: datetime
    resource_old_value: str | None
    resource_new_value: str | None
    customized_data: list[KeyValue]
    attributes: ResourceAttributes = ResourceAttributes(object_type="AuditRecord")

    @classmethod
    def of(cls, record: AuditRecord, customer_name: str | None) -> "AuditRecordOut":
        new = record.new_value or {}
        return cls(
            id=record.id,
            partner_id=record.tenant_id,
            customer_id=record.customer_id,
            customer_name=customer_name,
            user_principal_name=record.actor,
            application_id=record.application_id,
            resource_type=record.resource_type,
            resource_id=record.resource_id,
            operation_type=record.operation_type,
            operation_status=record.operation_status,
            operation_date=record.occurred_at,
            resource_old_value=json.dumps(record.old_value) if record.old_value is not None else None,
            resource_new_value=json.dumps(record.new_value) if record.new_value is not None else None,
            customized_data=[
                KeyValue(key=key, value=str(value))
                for key, value in new.items()
                if isinstance(value, str | int | float | bool)
            ],
        )
