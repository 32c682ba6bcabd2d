"""The directory roles of a customer's tenant and the users holding them (`/directoryroles/{role_id}/usermembers`).

A role's id is its Entra template id (the ids GDAP relationships name), the same in every tenant. Global
Administrator is the customer user's `GlobalAdmin` role in identity, so a user made Global Administrator here can
act as the customer's admin (approve GDAP, accept agreements); every other role is a membership row.
"""

import uuid

from sqlalchemy import and_, delete, select

from app.customer_users.directory import (
    MANAGE_USERS,
    READ_USERS,
    active_global_admins,
    customer_tenant,
    find_user,
    in_state,
)
from app.events.service import record_change
from app.gdap.roles import CATALOG, GLOBAL_ADMINISTRATOR, RoleTemplate
from app.kernel.context import PartnerContext
from app.kernel.errors import Conflict, NotFound
from app.kernel.roles import CustomerRole
from app.models import CustomerUserAccount, CustomerUserState, DirectoryRoleMember, Tenant, User

RESOURCE = "DirectoryRoleMember"


def directory_role(role_id: str) -> RoleTemplate:
    role = CATALOG.get(role_id.strip().lower())
    if role is None:
        raise NotFound("Directory role", role_id)
    return role


async def list_directory_roles(ctx: PartnerContext, *, customer_id: uuid.UUID) -> list[RoleTemplate]:
    """404 unless related to the customer; GDP-1: a role that reads the directory."""
    await customer_tenant(ctx, customer_id, roles=READ_USERS, action="read this customer's directory roles")
    return sorted(CATALOG.values(), key=lambda r: r.name)


async def _members(ctx: PartnerContext, tenant: Tenant, role: RoleTemplate) -> list[User]:
    if role.id == GLOBAL_ADMINISTRATOR:
        return await active_global_admins(ctx, tenant)
    stmt = (
        select(User)
        .join(
            DirectoryRoleMember,
            and_(DirectoryRoleMember.sandbox_id == User.sandbox_id, DirectoryRoleMember.user_id == User.id),
        )
        .outerjoin(
            CustomerUserAccount,
            and_(CustomerUserAccount.sandbox_id == User.sandbox_id, CustomerUserAccount.id == User.id),
        )
        .where(
            User.sandbox_id == ctx.sandbox_id,
            User.tenant_id == tenant.id,
            DirectoryRoleMember.role_id == role.id,
            # A deleted user holds no role while it is deleted; restored, it holds them again.
            in_state(CustomerUserState.ACTIVE, ctx.now),
        )
        .order_by(DirectoryRoleMember.created_at, User.id)
    )
    return list((await ctx.session.execute(stmt)).scalars())


async def list_role_members(
    ctx: PartnerContext, *, customer_id: uuid.UUID, role_id: str
) -> tuple[RoleTemplate, list[User]]:
    """404 unless related to the customer; GDP-1: a role that reads the directory. The active users holding it."""
    tenant = await customer_tenant(ctx, customer_id, roles=READ_USERS, action="read this customer's directory roles")
    role = directory_role(role_id)
    return role, await _members(ctx, tenant, role)


async def add_role_member(
    ctx: PartnerContext, *, customer_id: uuid.UUID, role_id: str, user_id: uuid.UUID
) -> tuple[RoleTemplate, User]:
    """404 unless related to the customer; GDP-1: User Administrator. The user must be active and not hold the role
    already (409)."""
    tenant = await customer_tenant(ctx, customer_id, roles=MANAGE_USERS, action="assign this customer's roles")
    role = directory_role(role_id)
    found = await find_user(ctx, tenant, user_id, for_update=True)
    if not found.active:
        raise Conflict(f"The user {found.user.user_principal_name} is deleted: restore it before giving it a role.")
    if found.user in await _members(ctx, tenant, role):
        raise Conflict(f"{found.user.user_principal_name} already holds the role {role.name}.")
    if role.id == GLOBAL_ADMINISTRATOR:
        found.user.roles = sorted({*found.user.roles, CustomerRole.GLOBAL_ADMIN.value})
    else:
        ctx.session.add(
            DirectoryRoleMember(sandbox_id=ctx.sandbox_id, role_id=role.id, user_id=found.user.id, created_at=ctx.now)
        )
    await _record(ctx, tenant, role, found.user, event="customer-user-role-added", added=True)
    await ctx.session.flush()
    return role, found.user


async def remove_role_member(ctx: PartnerContext, *, customer_id: uuid.UUID, role_id: str, user_id: uuid.UUID) -> None:
    """404 unless related to the customer; GDP-1: User Administrator. A user not holding the role is not found; the
    tenant's last Global Administrator stays (409)."""
    tenant = await customer_tenant(ctx, customer_id, roles=MANAGE_USERS, action="assign this customer's roles")
    role = directory_role(role_id)
    found = await find_user(ctx, tenant, user_id, for_update=True)
    members = await _members(ctx, tenant, role)
    if found.user not in members:
        raise NotFound(f"A member {user_id} of the role", role.id)
    if role.id == GLOBAL_ADMINISTRATOR:
        if len(members) == 1:
            raise Conflict(
                f"{found.user.user_principal_name} is the customer's last Global Administrator; make another user "
                "Global Administrator first."
            )
        found.user.roles = sorted(set(found.user.roles) - {CustomerRole.GLOBAL_ADMIN.value})
    else:
        await ctx.session.execute(
            delete(DirectoryRoleMember).where(
                DirectoryRoleMember.sandbox_id == ctx.sandbox_id,
                DirectoryRoleMember.role_id == role.id,
                DirectoryRoleMember.user_id == found.user.id,
            )
        )
    await _record(ctx, tenant, role, found.user, event="customer-user-role-removed", added=False)
    await ctx.session.flush()


async def _record(
    ctx: PartnerContext, tenant: Tenant, role: RoleTemplate, user: User, *, event: str, added: bool
) -> None:
    member = {"roleId": role.id, "userId": str(user.id)}
    await record_change(
        ctx,
        event=event,
        operation_type=event.replace("-", "_"),
        resource_type=RESOURCE,
        resource_id=user.id,
        tenant_id=ctx.tenant_id,
        customer_id=tenant.id,
        old_value=None if added else member,
        new_value=member if added else None,
    )
