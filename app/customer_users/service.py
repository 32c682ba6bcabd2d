"""Partner Center's customer user management: the users of a customer's tenant, read, created, changed, deleted and
restored by a partner that holds admin rights there through GDAP (GDP-1). An expired or terminated relationship locks
the partner out (GDP-2); a provider related only through the extension never gets in (GDP-4)."""

import uuid
from dataclasses import dataclass
from typing import Any

from app.customer_users import licenses
from app.customer_users.directory import (
    MANAGE_USERS,
    READ_USERS,
    DirectoryUser,
    account_for_change,
    accounts_of,
    active_global_admins,
    customer_tenant,
    find_user,
    users_of,
)
from app.customer_users.lifecycle import CUSTOMER_USER
from app.events.service import move, record_change
from app.identity import service as identity
from app.kernel.context import PartnerContext
from app.kernel.credentials import hash_password, new_secret
from app.kernel.errors import BadRequest, Conflict
from app.kernel.pagination import Page, PageRequest, keyset
from app.kernel.roles import CustomerRole
from app.models import CustomerUserState, User

RESOURCE = "CustomerUser"
# Stands in for a deleted user's password hash: it has none of a hash's parts, so no password ever matches it.
SIGN_IN_BLOCKED = "deleted"


async def list_customer_users(
    ctx: PartnerContext,
    *,
    customer_id: uuid.UUID,
    page: PageRequest,
    state: CustomerUserState = CustomerUserState.ACTIVE,
) -> Page[DirectoryUser]:
    """404 for a partner not related to the customer, before anything else; then GDP-1: an active GDAP role that
    reads the directory (User Administrator, Global Reader or Directory Readers). Active users by default; with
    `inactive`, the users deleted in the last 30 days (Partner Center's `user_state=inactive`)."""
    tenant = await customer_tenant(ctx, customer_id, roles=READ_USERS, action="read this customer's users")
    found = await keyset(ctx.session, users_of(ctx, tenant, state), keys=[User.id], page=page)
    accounts = await accounts_of(ctx, found.items)
    items = [DirectoryUser(user=u, account=accounts.get(u.id), tenant=tenant) for u in found.items]
    return Page(items=items, total=found.total, next_token=found.next_token)


async def get_customer_user(ctx: PartnerContext, *, customer_id: uuid.UUID, user_id: uuid.UUID) -> DirectoryUser:
    """404 unless related to the customer; GDP-1: a role that reads the directory. A deleted user is answered
    `inactive` until its 30 days are over; then it is not found."""
    tenant = await customer_tenant(ctx, customer_id, roles=READ_USERS, action="read this customer's users")
    return await find_user(ctx, tenant, user_id)


@dataclass(frozen=True)
class NewUser:
    user_principal_name: str
    display_name: str | None
    first_name: str | None
    last_name: str | None
    usage_location: str | None
    password: str | None


async def create_customer_user(
    ctx: PartnerContext, *, customer_id: uuid.UUID, new: NewUser
) -> tuple[DirectoryUser, str | None]:
    """404 for a partner not related to the customer, before anything else; then GDP-1: an active GDAP User
    Administrator role. The user signs in with its UPN (in the customer's domain); a password not given is generated
    and answered once."""
    tenant = await customer_tenant(ctx, customer_id, roles=MANAGE_USERS, action="create users for this customer")
    names = " ".join(n for n in (new.first_name, new.last_name) if n)
    user, generated = await identity.add_user(
        ctx,
        tenant,
        user_principal_name=new.user_principal_name,
        display_name=new.display_name or names or None,
        password=new.password,
        roles=[CustomerRole.USER],
    )
    created = DirectoryUser(user=user, account=None, tenant=tenant)
    account = await account_for_change(ctx, created)
    account.first_name, account.last_name, account.usage_location = new.first_name, new.last_name, new.usage_location
    await record_change(
        ctx,
        event="customer-user-created",
        operation_type="create_customer_user",
        resource_type=RESOURCE,
        resource_id=user.id,
        tenant_id=ctx.tenant_id,
        customer_id=tenant.id,
        new_value={"userPrincipalName": user.user_principal_name},
    )
    return created, generated


@dataclass(frozen=True)
class UserChanges:
    """A PATCH of a CustomerUser: only the fields given change."""

    display_name: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    usage_location: str | None = None
    # Reset the password: `password` None generates one (answered once).
    reset_password: bool = False
    password: str | None = None
    state: CustomerUserState | None = None
    # Clients send the user's UPN back with its other fields; it cannot change.
    user_principal_name: str | None = None

    @property
    def profile(self) -> dict[str, Any]:
        given = {
            "displayName": self.display_name,
            "firstName": self.first_name,
            "lastName": self.last_name,
            "usageLocation": self.usage_location,
        }
        return {k: v for k, v in given.items() if v is not None}


async def update_customer_user(
    ctx: PartnerContext, *, customer_id: uuid.UUID, user_id: uuid.UUID, changes: UserChanges
) -> tuple[DirectoryUser, str | None]:
    """404 unless related to the customer; GDP-1: User Administrator. Changes the display name, names and usage
    location, resets the password (`passwordProfile`), or restores a deleted user (`state: active`, Partner Center's
    restore) within 30 days of its deletion, each of its licences needing a free seat again (60012)."""
    if not changes.profile and not changes.reset_password and changes.state is None:
        raise BadRequest(
            "Give at least one of displayName, firstName, lastName, usageLocation, passwordProfile, state."
        )
    if changes.state is CustomerUserState.INACTIVE:
        raise BadRequest("A user is deleted with DELETE /v1/customers/{customer_id}/users/{user_id}, not a PATCH.")
    tenant = await customer_tenant(ctx, customer_id, roles=MANAGE_USERS, action="manage this customer's users")
    found = await find_user(ctx, tenant, user_id, for_update=True)
    upn = changes.user_principal_name
    if upn is not None and upn.lower() != found.user.user_principal_name:
        raise BadRequest(f"A user's userPrincipalName cannot change (it is {found.user.user_principal_name}).")
    if changes.state is CustomerUserState.ACTIVE and not found.active:
        await _restore(ctx, found)
    elif not found.active:
        raise Conflict(
            f"The user {found.user.user_principal_name} is deleted: restore it first (PATCH with state active)."
        )
    account = await account_for_change(ctx, found)
    old = _profile(found)
    if changes.display_name is not None:
        found.user.display_name = changes.display_name
    for field in ("first_name", "last_name", "usage_location"):
        if getattr(changes, field) is not None:
            setattr(account, field, getattr(changes, field))
    generated = None
    if changes.reset_password:
        generated = None if changes.password else new_secret()[:20]
        found.user.password_hash = hash_password(changes.password or generated or "", generated=generated is not None)
        # A new password opens a locked account, as an admin's reset does in Entra ID.
        found.user.failed_sign_ins, found.user.locked_until = 0, None
    account.updated_at = ctx.now
    await record_change(
        ctx,
        event="customer-user-updated",
        operation_type="update_customer_user",
        resource_type=RESOURCE,
        resource_id=found.user.id,
        tenant_id=ctx.tenant_id,
        customer_id=tenant.id,
        old_value=old,
        new_value=_profile(found) | ({"passwordReset": True} if changes.reset_password else {}),
    )
    await ctx.session.flush()
    return found, generated


def _profile(found: DirectoryUser) -> dict[str, Any]:
    account = found.account
    return {
        "displayName": found.user.display_name,
        "firstName": account.first_name if account else None,
        "lastName": account.last_name if account else None,
        "usageLocation": account.usage_location if account else None,
        "state": str(found.state),
    }


async def _restore(ctx: PartnerContext, found: DirectoryUser) -> None:
    await licenses.require_seats_to_restore(ctx, found)
    account = await account_for_change(ctx, found)
    await move(
        ctx,
        account,
        CUSTOMER_USER,
        CustomerUserState.ACTIVE,
        action="restore",
        event="customer-user-restored",
        resource_type=RESOURCE,
        tenant_ids=[ctx.tenant_id],
    )
    found.user.password_hash, account.held_password_hash = account.held_password_hash or SIGN_IN_BLOCKED, None
    account.inactive_at = None


async def delete_customer_user(ctx: PartnerContext, *, customer_id: uuid.UUID, user_id: uuid.UUID) -> None:
    """404 unless related to the customer; GDP-1: User Administrator. A soft delete: the user is `inactive`, cannot
    sign in, frees its licences' seats and can be restored for 30 days on the sandbox clock. The tenant's last Global
    Administrator stays (409): without one, nobody could approve a GDAP request or accept an agreement."""
    tenant = await customer_tenant(ctx, customer_id, roles=MANAGE_USERS, action="delete this customer's users")
    found = await find_user(ctx, tenant, user_id, for_update=True)
    if found.is_global_admin and found.active and len(await active_global_admins(ctx, tenant)) == 1:
        raise Conflict(
            f"{found.user.user_principal_name} is the customer's last Global Administrator; make another user Global "
            "Administrator first (POST .../directoryroles/{role_id}/usermembers)."
        )
    account = await account_for_change(ctx, found)
    await move(
        ctx,
        account,
        CUSTOMER_USER,
        CustomerUserState.INACTIVE,
        action="delete",
        event="customer-user-deleted",
        resource_type=RESOURCE,
        tenant_ids=[ctx.tenant_id],
    )
    account.held_password_hash, found.user.password_hash = found.user.password_hash, SIGN_IN_BLOCKED
    account.updated_at = ctx.now
    await ctx.session.flush()
