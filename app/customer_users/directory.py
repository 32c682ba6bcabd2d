"""What a partner may see of a customer's directory, settled once for users, roles and licences: the customer must
be visible (404 otherwise, before anything else), then the caller must hold one of the GDAP roles the use case names
(GDP-1); a user deleted more than 30 days ago is gone (404), as Partner Center purges it."""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, and_, or_, select
from sqlalchemy.sql import ColumnElement

from app.customers.service import get_visible_customer
from app.gdap import access
from app.gdap.roles import DIRECTORY_READERS, GLOBAL_READER, LICENSE_ADMINISTRATOR, USER_ADMINISTRATOR
from app.kernel import lookup
from app.kernel.context import PartnerContext
from app.kernel.errors import NotFound
from app.kernel.roles import CustomerRole
from app.kernel.statements import add_now
from app.models import CustomerUserAccount, CustomerUserState, Tenant, User

# The GDAP roles each use case needs (Global Administrator covers them all, in `access.may_act`). Partner Center's
# pages list the same: reading users and roles needs a role that reads the directory, managing them User
# Administrator; licences are License Administrator's work, and User Administrator's too.
READ_USERS = (USER_ADMINISTRATOR, GLOBAL_READER, DIRECTORY_READERS)
MANAGE_USERS = (USER_ADMINISTRATOR,)
READ_LICENSES = (*READ_USERS, LICENSE_ADMINISTRATOR)
MANAGE_LICENSES = (LICENSE_ADMINISTRATOR, USER_ADMINISTRATOR)

# A deleted user can be restored for 30 days on the sandbox clock; after that it is permanently deleted.
RESTORE_WINDOW = timedelta(days=30)


@dataclass
class DirectoryUser:
    """A user of the customer's tenant with what Partner Center keeps about it (None: never changed through it)."""

    user: User
    account: CustomerUserAccount | None
    tenant: Tenant

    @property
    def state(self) -> CustomerUserState:
        return self.account.status if self.account else CustomerUserState.ACTIVE

    @property
    def active(self) -> bool:
        return self.state is CustomerUserState.ACTIVE

    @property
    def is_global_admin(self) -> bool:
        return CustomerRole.GLOBAL_ADMIN in self.user.roles


async def customer_tenant(
    ctx: PartnerContext, customer_id: uuid.UUID, *, roles: tuple[str, ...], action: str
) -> Tenant:
    """404 for a partner not related to the customer; then GDP-1: one of `roles` through GDAP, now."""
    seen = await get_visible_customer(ctx, customer_id)
    await access.require_admin_access(ctx, customer_id=seen.tenant.id, role_ids=roles, action=action)
    return seen.tenant


def _account_join() -> ColumnElement[bool]:
    return and_(CustomerUserAccount.sandbox_id == User.sandbox_id, CustomerUserAccount.id == User.id)


def in_state(state: CustomerUserState, now: datetime) -> ColumnElement[bool]:
    """Users in `state` (over users outer-joined to their accounts); a user past its restore window is in none."""
    if state is CustomerUserState.ACTIVE:
        return or_(CustomerUserAccount.status.is_(None), CustomerUserAccount.status == CustomerUserState.ACTIVE)
    return and_(
        CustomerUserAccount.status == CustomerUserState.INACTIVE,
        CustomerUserAccount.inactive_at > now - RESTORE_WINDOW,
    )


def users_of(ctx: PartnerContext, tenant: Tenant, state: CustomerUserState) -> Select[Any]:
    return (
        select(User)
        .outerjoin(CustomerUserAccount, _account_join())
        .where(User.sandbox_id == ctx.sandbox_id, User.tenant_id == tenant.id, in_state(state, ctx.now))
    )


async def accounts_of(ctx: PartnerContext, users: Sequence[User]) -> dict[uuid.UUID, CustomerUserAccount]:
    if not users:
        return {}
    rows = await ctx.session.execute(
        select(CustomerUserAccount).where(
            CustomerUserAccount.sandbox_id == ctx.sandbox_id, CustomerUserAccount.id.in_([u.id for u in users])
        )
    )
    return {a.id: a for a in rows.scalars()}


async def find_user(
    ctx: PartnerContext, tenant: Tenant, user_id: uuid.UUID, *, for_update: bool = False
) -> DirectoryUser:
    """A user of the customer's tenant, active or deleted within its restore window; any other is not found."""
    user = await lookup.one(ctx, User, user_id, what="User", for_update=for_update, where=[User.tenant_id == tenant.id])
    stmt = select(CustomerUserAccount).where(
        CustomerUserAccount.sandbox_id == ctx.sandbox_id, CustomerUserAccount.id == user.id
    )
    if for_update:
        stmt = stmt.with_for_update()
    account = (await ctx.session.execute(stmt)).scalar_one_or_none()
    found = DirectoryUser(user=user, account=account, tenant=tenant)
    if account and account.inactive_at and not found.active and account.inactive_at <= ctx.now - RESTORE_WINDOW:
        raise NotFound("User", user_id)
    return found


async def account_for_change(ctx: PartnerContext, found: DirectoryUser) -> CustomerUserAccount:
    """The user's account row, made on its first change through Partner Center."""
    if found.account is None:
        found.account = CustomerUserAccount(
            sandbox_id=ctx.sandbox_id, id=found.user.id, status=CustomerUserState.ACTIVE, updated_at=ctx.now
        )
        await add_now(ctx.session, found.account)
    return found.account


async def active_global_admins(ctx: PartnerContext, tenant: Tenant) -> list[User]:
    rows = await ctx.session.execute(users_of(ctx, tenant, CustomerUserState.ACTIVE).order_by(User.created_at, User.id))
    return [u for u in rows.scalars() if CustomerRole.GLOBAL_ADMIN in u.roles]
