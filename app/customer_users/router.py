"""Partner Center's customer user accounts (`/v1/customers/{customer_id}/users`), their directory roles
(`/directoryroles`) and licences (`/subscribedskus`, `/users/{user_id}/licenseupdates`): admin work that needs GDAP."""

import uuid
from typing import Annotated, Any

from fastapi import Depends, Query, Request, Response, status

from app.customer_users import directory_roles, licenses
from app.customer_users import service as users
from app.customer_users.directory import DirectoryUser
from app.customer_users.schemas import (
    CustomerUser,
    CustomerUserCreate,
    CustomerUserUpdate,
    DirectoryRole,
    License,
    LicenseAssignmentOut,
    LicenseUpdate,
    LicenseUpdateIn,
    PasswordProfile,
    ProductSku,
    SubscribedSku,
    UserMember,
    UserMemberIn,
)
from app.customers import service
from app.gdap.roles import RoleTemplate
from app.kernel.pagination import Collection, Page, PageRequest, collection, page_request
from app.kernel.pipeline import PARTNER_CENTER_API, PartnerCaller
from app.models import CustomerUserState, User


async def _visible_customer(ctx: PartnerCaller, customer_id: uuid.UUID) -> service.SeenCustomer:
    """A stranger learns nothing, not even whether its request body was well formed: visibility is settled before
    the body is read (the service asks again, as every read of a customer does)."""
    return await service.get_visible_customer(ctx, customer_id)


router = PARTNER_CENTER_API.router(
    tags=["partner center: customer users"],
    prefix="/customers/{customer_id}/users",
    dependencies=[Depends(_visible_customer)],
)
# The customer's directory as a whole: its roles and the licences its subscriptions give.
directory = PARTNER_CENTER_API.router(
    tags=["partner center: customer users"],
    prefix="/customers/{customer_id}",
    dependencies=[Depends(_visible_customer)],
)
Pages = Annotated[PageRequest, Depends(page_request)]


def _user(found: DirectoryUser, password: str | None = None) -> CustomerUser:
    account = found.account
    return CustomerUser(
        id=found.user.id,
        user_principal_name=found.user.user_principal_name,
        display_name=found.user.display_name,
        first_name=account.first_name if account else None,
        last_name=account.last_name if account else None,
        usage_location=(account.usage_location if account else None) or found.tenant.country,
        state=found.state,
        soft_deletion_time=None if found.active or account is None else account.inactive_at,
        password_profile=PasswordProfile(password=password, force_change_password=True) if password else None,
    )


def _listed(request: Request, items: list[Any]) -> Collection[Any]:
    return collection(request, Page(items=items, total=len(items), next_token=None), items)


@router.get("", response_model=Collection[CustomerUser], summary="List a customer's user accounts")
async def list_customer_users(
    ctx: PartnerCaller,
    request: Request,
    customer_id: uuid.UUID,
    page: Pages,
    user_state: Annotated[
        CustomerUserState, Query(description="`inactive`: the users deleted in the last 30 days.")
    ] = CustomerUserState.ACTIVE,
) -> Any:
    """404 unless you are related to the customer; then an active GDAP role that reads the directory (User
    Administrator, Global Reader or Directory Readers), assigned to a security group you belong to (GDP-1)."""
    found = await users.list_customer_users(ctx, customer_id=customer_id, page=page, state=user_state)
    return collection(request, found, [_user(u) for u in found.items])


@router.post("", status_code=status.HTTP_201_CREATED, response_model=CustomerUser, summary="Create a user account")
async def create_customer_user(ctx: PartnerCaller, customer_id: uuid.UUID, body: CustomerUserCreate) -> Any:
    """404 unless you are related to the customer; then an active GDAP User Administrator role (GDP-1)."""
    created, generated = await users.create_customer_user(
        ctx,
        customer_id=customer_id,
        new=users.NewUser(
            user_principal_name=str(body.user_principal_name),
            display_name=body.display_name,
            first_name=body.first_name,
            last_name=body.last_name,
            usage_location=body.usage_location,
            password=body.password_profile.password if body.password_profile else None,
        ),
    )
    return _user(created, generated)


@router.get("/{user_id}", response_model=CustomerUser, summary="Get a user account")
async def read_customer_user(ctx: PartnerCaller, customer_id: uuid.UUID, user_id: uuid.UUID) -> Any:
    """404 unless you are related to the customer; then a GDAP role that reads the directory (GDP-1). A deleted
    user is `inactive` for 30 days, then not found."""
    return _user(await users.get_customer_user(ctx, customer_id=customer_id, user_id=user_id))


@router.patch("/{user_id}", response_model=CustomerUser, summary="Update, reset the password of, or restore a user")
async def update_customer_user(
    ctx: PartnerCaller, customer_id: uuid.UUID, user_id: uuid.UUID, body: CustomerUserUpdate
) -> Any:
    """GDAP User Administrator (GDP-1). Changes the display name, names and usage location; `passwordProfile`
    resets the password (generated and answered once when not given); `state: active` restores a user deleted in the
    last 30 days, with its licences when their seats are free (60012 otherwise)."""
    found, generated = await users.update_customer_user(
        ctx,
        customer_id=customer_id,
        user_id=user_id,
        changes=users.UserChanges(
            display_name=body.display_name,
            first_name=body.first_name,
            last_name=body.last_name,
            usage_location=body.usage_location,
            reset_password=body.password_profile is not None,
            password=body.password_profile.password if body.password_profile else None,
            state=body.state,
            user_principal_name=body.user_principal_name,
        ),
    )
    return _user(found, generated)


@router.delete("/{user_id}", status_code=status.HTTP_204_NO_CONTENT, summary="Delete a user account (restorable)")
async def delete_customer_user(ctx: PartnerCaller, customer_id: uuid.UUID, user_id: uuid.UUID) -> Response:
    """GDAP User Administrator (GDP-1). The user becomes `inactive` (listed with `user_state=inactive`), cannot sign
    in, frees its licences' seats, and can be restored for 30 days on the sandbox clock. The last Global
    Administrator cannot be deleted (409)."""
    await users.delete_customer_user(ctx, customer_id=customer_id, user_id=user_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


def _sku(sku: licenses.ProductSku) -> ProductSku:
    return ProductSku(id=sku.id, name=sku.name, sku_part_number=sku.sku_part_number, target_type=sku.target_type)


@router.get("/{user_id}/licenses", response_model=Collection[License], summary="Get the licenses assigned to a user")
async def list_user_licenses(ctx: PartnerCaller, request: Request, customer_id: uuid.UUID, user_id: uuid.UUID) -> Any:
    """A GDAP role that reads the directory, or License Administrator (GDP-1)."""
    skus = await licenses.list_user_licenses(ctx, customer_id=customer_id, user_id=user_id)
    return _listed(request, [License(product_sku=_sku(s)) for s in skus])


@router.post(
    "/{user_id}/licenseupdates",
    status_code=status.HTTP_201_CREATED,
    response_model=LicenseUpdate,
    summary="Assign or remove a user's licenses",
)
async def update_user_licenses(
    ctx: PartnerCaller, customer_id: uuid.UUID, user_id: uuid.UUID, body: LicenseUpdateIn
) -> Any:
    """GDAP License Administrator or User Administrator (GDP-1). Removals first, then each SKU assigned takes a free
    seat of the customer's subscriptions of it; none free refuses the whole update with 400, code 60012, naming the
    SKU and the seats available."""
    done = await licenses.update_licenses(
        ctx,
        customer_id=customer_id,
        user_id=user_id,
        to_assign=[a.sku_id for a in body.licenses_to_assign or []],
        to_remove=list(body.licenses_to_remove or []),
    )
    return LicenseUpdate(
        licenses_to_assign=[LicenseAssignmentOut(sku_id=s) for s in done.assigned], licenses_to_remove=done.removed
    )


@directory.get("/subscribedskus", response_model=Collection[SubscribedSku], summary="List the available licenses")
async def list_subscribed_skus(ctx: PartnerCaller, request: Request, customer_id: uuid.UUID) -> Any:
    """Directory Readers, Global Reader, User or License Administrator through GDAP (GDP-1): each licence SKU of the
    customer's subscriptions, its seats (`activeUnits`), those assigned (`consumedUnits`), those free
    (`availableUnits`)."""
    skus = await licenses.list_subscribed_skus(ctx, customer_id=customer_id)
    return _listed(
        request,
        [
            SubscribedSku(
                available_units=s.available_units,
                active_units=s.active_units,
                consumed_units=s.consumed_units,
                suspended_units=s.suspended_units,
                total_units=s.total_units,
                product_sku=_sku(s.product_sku),
                capability_status=s.capability_status,
            )
            for s in skus
        ],
    )


def _member(user: User, role: RoleTemplate) -> UserMember:
    return UserMember(
        id=user.id, user_principal_name=user.user_principal_name, display_name=user.display_name, role_id=role.id
    )


@directory.get("/directoryroles", response_model=Collection[DirectoryRole], summary="List the directory roles")
async def list_directory_roles(ctx: PartnerCaller, request: Request, customer_id: uuid.UUID) -> Any:
    """A GDAP role that reads the directory (GDP-1)."""
    roles = await directory_roles.list_directory_roles(ctx, customer_id=customer_id)
    return _listed(request, [DirectoryRole(name=r.name, id=r.id) for r in roles])


@directory.get(
    "/directoryroles/{role_id}/usermembers", response_model=Collection[UserMember], summary="List a role's users"
)
async def list_role_members(ctx: PartnerCaller, request: Request, customer_id: uuid.UUID, role_id: str) -> Any:
    """A GDAP role that reads the directory (GDP-1); the active users holding the role."""
    role, members = await directory_roles.list_role_members(ctx, customer_id=customer_id, role_id=role_id)
    return _listed(request, [_member(u, role) for u in members])


@directory.post(
    "/directoryroles/{role_id}/usermembers",
    status_code=status.HTTP_201_CREATED,
    response_model=UserMember,
    summary="Add a user to a role",
)
async def add_role_member(ctx: PartnerCaller, customer_id: uuid.UUID, role_id: str, body: UserMemberIn) -> Any:
    """GDAP User Administrator (GDP-1); the user (`id`) must be active and not hold the role yet (409)."""
    role, user = await directory_roles.add_role_member(ctx, customer_id=customer_id, role_id=role_id, user_id=body.id)
    return _member(user, role)


@directory.delete(
    "/directoryroles/{role_id}/usermembers/{user_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Remove a user from a role",
)
async def remove_role_member(ctx: PartnerCaller, customer_id: uuid.UUID, role_id: str, user_id: uuid.UUID) -> Response:
    """GDAP User Administrator (GDP-1); the last Global Administrator stays (409)."""
    await directory_roles.remove_role_member(ctx, customer_id=customer_id, role_id=role_id, user_id=user_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
