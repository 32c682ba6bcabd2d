"""Partner Center's bodies for customer users, directory roles and licences, named as its .NET SDK names them
(`CustomerUser`, `UserMember`, `DirectoryRole`, `SubscribedSku`, `License`, `LicenseUpdate`)."""

import uuid
from datetime import datetime
from typing import Any

from pydantic import EmailStr, Field

from app.identity.schemas import Country
from app.kernel.pagination import ResourceAttributes
from app.models import CustomerUserState
from app.wire import Request, Schema


class PasswordProfileIn(Request):
    password: str | None = Field(None, min_length=1, max_length=256, description="Generated when absent.")
    force_change_password: bool = True


class CustomerUserCreate(Request):
    user_principal_name: EmailStr = Field(description="In the customer's domain.")
    display_name: str | None = Field(None, max_length=256)
    first_name: str | None = Field(None, max_length=64)
    last_name: str | None = Field(None, max_length=64)
    usage_location: Country | None = None
    immutable_id: str | None = Field(None, max_length=256)
    password_profile: PasswordProfileIn | None = None
    attributes: dict[str, Any] | None = None


class CustomerUserUpdate(Request):
    """A PATCH of a CustomerUser. Partner Center's clients send the whole user back: the fields the server keeps
    (id, userDomainType, ...) are read and ignored; `state: active` restores a deleted user."""

    id: uuid.UUID | None = None
    user_principal_name: str | None = Field(None, max_length=320, description="Cannot change.")
    display_name: str | None = Field(None, min_length=1, max_length=256)
    first_name: str | None = Field(None, max_length=64)
    last_name: str | None = Field(None, max_length=64)
    usage_location: Country | None = None
    password_profile: PasswordProfileIn | None = None
    state: CustomerUserState | None = None
    immutable_id: str | None = Field(None, max_length=256)
    user_domain_type: str | None = Field(None, max_length=40)
    last_directory_sync_time: str | None = Field(None, max_length=40)
    soft_deletion_time: str | None = Field(None, max_length=40)
    attributes: dict[str, Any] | None = None


class PasswordProfile(Schema):
    password: str
    force_change_password: bool


class CustomerUser(Schema):
    """Partner Center's CustomerUser."""

    id: uuid.UUID
    user_principal_name: str
    display_name: str
    first_name: str | None = None
    last_name: str | None = None
    usage_location: str
    state: CustomerUserState = CustomerUserState.ACTIVE
    soft_deletion_time: datetime | None = Field(None, description="When a deleted (inactive) user was deleted.")
    user_domain_type: str = "none"
    immutable_id: str | None = Field(None, description="An on-premises directory's id; cspsim keeps none.")
    last_directory_sync_time: str | None = None
    password_profile: PasswordProfile | None = Field(None, description="Only when cspsim generated it; shown once.")
    attributes: ResourceAttributes = ResourceAttributes(object_type="CustomerUser")


class DirectoryRole(Schema):
    name: str
    id: str = Field(description="The role's Entra template id, the same in every tenant (GDAP's roleDefinitionId).")
    attributes: ResourceAttributes = ResourceAttributes(object_type="DirectoryRole")


class UserMemberIn(Request):
    """Partner Center's UserMember as its clients post it: the user's id (the rest is read and ignored)."""

    id: uuid.UUID
    user_principal_name: str | None = Field(None, max_length=320)
    display_name: str | None = Field(None, max_length=256)
    role_id: str | None = Field(None, max_length=36)
    attributes: dict[str, Any] | None = None


class UserMember(Schema):
    id: uuid.UUID
    user_principal_name: str
    display_name: str
    role_id: str
    attributes: ResourceAttributes = ResourceAttributes(object_type="UserMember")


class ProductSku(Schema):
    id: uuid.UUID
    name: str
    sku_part_number: str
    target_type: str = "User"
    license_group_id: str = "group1"


class SubscribedSku(Schema):
    available_units: int
    active_units: int
    consumed_units: int
    suspended_units: int
    total_units: int
    warning_units: int = 0
    product_sku: ProductSku
    service_plans: list[dict[str, Any]] = Field(default_factory=list)
    capability_status: str
    attributes: ResourceAttributes = ResourceAttributes(object_type="SubscribedSku")


class License(Schema):
    product_sku: ProductSku
    service_plans: list[dict[str, Any]] = Field(default_factory=list)
    attributes: ResourceAttributes = ResourceAttributes(object_type="License")


class LicenseAssignmentIn(Request):
    sku_id: uuid.UUID
    excluded_plans: list[str] | None = Field(None, max_length=100, description="Read; cspsim keeps no plans.")


class LicenseUpdateIn(Request):
    licenses_to_assign: list[LicenseAssignmentIn] | None = Field(None, max_length=100)
    licenses_to_remove: list[uuid.UUID] | None = Field(None, max_length=100)
    license_warnings: list[Any] | None = Field(None, max_length=100)
    attributes: dict[str, Any] | None = None


class LicenseAssignmentOut(Schema):
    sku_id: uuid.UUID
    excluded_plans: list[str] | None = None


class LicenseUpdate(Schema):
    licenses_to_assign: list[LicenseAssignmentOut] = Field(default_factory=list)
    licenses_to_remove: list[uuid.UUID] = Field(default_factory=list)
    license_warnings: list[Any] = Field(default_factory=list)
    attributes: ResourceAttributes = ResourceAttributes(object_type="LicenseUpdate")
