"""Partner Center's customer user accounts (`/v1/customers/{customer_id}/users`): admin work that needs GDAP."""

import uuid
from typing import Annotated, Any

from fastapi import Depends, Request, status
from pydantic import EmailStr, Field

from app.customer_users import service as users
from app.customers import service
from app.identity.schemas import Country
from app.kernel.pagination import Collection, PageRequest, ResourceAttributes, collection, page_request
from app.kernel.pipeline import PARTNER_CENTER_API, PartnerCaller
from app.models import Tenant, User
from app.wire import Request as RequestBody
from app.wire import Schema


async def _visible_customer(ctx: PartnerCaller, customer_id: uuid.UUID) -> service.SeenCustomer:
    """A stranger learns nothing, not even whether its request body was well formed: visibility is settled before
    the body is read (the service asks again, as every read of a customer does)."""
    return await service.get_visible_customer(ctx, customer_id)


router = PARTNER_CENTER_API.router(
    tags=["partner center: customer users"],
    prefix="/customers/{customer_id}/users",
    dependencies=[Depends(_visible_customer)],
)
Pages = Annotated[PageRequest, Depends(page_request)]
VisibleCustomer = Annotated[service.SeenCustomer, Depends(_visible_customer)]


class PasswordProfileIn(RequestBody):
    password: str | None = Field(None, min_length=1, max_length=256, description="Generated when absent.")
    force_change_password: bool = True


class CustomerUserCreate(RequestBody):
    user_principal_name: EmailStr = Field(description="In the customer's domain.")
    display_name: str | None = Field(None, max_length=256)
    first_name: str | None = Field(None, max_length=64)
    last_name: str | None = Field(None, max_length=64)
    usage_location: Country | None = None
    immutable_id: str | None = Field(None, max_length=256)
    password_profile: PasswordProfileIn | None = None
    attributes: dict[str, Any] | None = None


class PasswordProfile(Schema):
    password: str
    force_change_password: bool


class CustomerUser(Schema):
    """Partner Center's CustomerUser. cspsim keeps the display name, not first and last names."""

    id: uuid.UUID
    user_principal_name: str
    display_name: str
    first_name: str | None = None
    last_name: str | None = None
    usage_location: str
    state: str = "active"
    user_domain_type: str = "none"
    last_directory_sync_time: str | None = None
    password_profile: PasswordProfile | None = Field(None, description="Only when cspsim generated it; shown once.")
    attributes: ResourceAttributes = ResourceAttributes(object_type="CustomerUser")


def _user(user: User, tenant: Tenant, password: str | None = None) -> CustomerUser:
    return CustomerUser(
        id=user.id,
        user_principal_name=user.user_principal_name,
        display_name=user.display_name,
        usage_location=tenant.country,
        password_profile=PasswordProfile(password=password, force_change_password=True) if password else None,
    )


@router.get("", response_model=Collection[CustomerUser], summary="List a customer's user accounts")
async def list_customer_users(
    ctx: PartnerCaller, request: Request, customer_id: uuid.UUID, page: Pages, seen: VisibleCustomer
) -> Any:
    """404 unless you are related to the customer; then an active GDAP role that reads the directory (User
    Administrator, Global Reader or Directory Readers), assigned to a security group you belong to (GDP-1)."""
    found = await users.list_customer_users(ctx, customer_id=customer_id, page=page)
    return collection(request, found, [_user(u, seen.tenant) for u in found.items])


@router.post("", status_code=status.HTTP_201_CREATED, response_model=CustomerUser, summary="Create a user account")
async def create_customer_user(
    ctx: PartnerCaller, customer_id: uuid.UUID, seen: VisibleCustomer, body: CustomerUserCreate
) -> Any:
    """404 unless you are related to the customer; then an active GDAP User Administrator role (GDP-1)."""
    names = " ".join(n for n in (body.first_name, body.last_name) if n)
    user, generated = await users.create_customer_user(
        ctx,
        customer_id=customer_id,
        user_principal_name=str(body.user_principal_name),
        display_name=body.display_name or names or None,
        password=body.password_profile.password if body.password_profile else None,
    )
    return _user(user, seen.tenant, generated)
