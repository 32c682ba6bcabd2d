"""Partner Center's customer user management: the users of a customer's tenant, read and created by a partner that
holds admin rights there through GDAP (GDP-1). An expired or terminated relationship locks the partner out (GDP-2);
a provider related only through the extension never gets in (GDP-4)."""

import uuid

from app.customers.service import get_visible_customer
from app.gdap import access
from app.gdap.roles import DIRECTORY_READERS, GLOBAL_READER, USER_ADMINISTRATOR
from app.identity import service as identity
from app.kernel.context import SandboxContext
from app.kernel.pagination import Page, PageRequest
from app.kernel.roles import CustomerRole
from app.models import User

# The GDAP roles that let a partner's user read, and create, a customer's users (Global Administrator covers both).
READ_USERS = (USER_ADMINISTRATOR, GLOBAL_READER, DIRECTORY_READERS)
MANAGE_USERS = (USER_ADMINISTRATOR,)


async def list_customer_users(ctx: SandboxContext, *, customer_id: uuid.UUID, page: PageRequest) -> Page[User]:
    """404 for a partner not related to the customer, before anything else; then GDP-1: an active GDAP role that
    reads the directory (User Administrator, Global Reader or Directory Readers)."""
    seen = await get_visible_customer(ctx, customer_id)
    await access.require_admin_access(
        ctx, customer_id=seen.tenant.id, role_ids=READ_USERS, action="read this customer's users"
    )
    return await identity.list_users(ctx, seen.tenant, page)


async def create_customer_user(
    ctx: SandboxContext,
    *,
    customer_id: uuid.UUID,
    user_principal_name: str,
    display_name: str | None,
    password: str | None,
) -> tuple[User, str | None]:
    """404 for a partner not related to the customer, before anything else; then GDP-1: an active GDAP User
    Administrator role. The user signs in with its UPN (in the customer's domain); a password not given is generated
    and answered once."""
    seen = await get_visible_customer(ctx, customer_id)
    await access.require_admin_access(
        ctx, customer_id=seen.tenant.id, role_ids=MANAGE_USERS, action="create users for this customer"
    )
    return await identity.add_user(
        ctx,
        seen.tenant,
        user_principal_name=user_principal_name,
        display_name=display_name,
        password=password,
        roles=[CustomerRole.USER],
    )
