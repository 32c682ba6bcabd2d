"""Security groups of a tenant's directory, set up on the control surface: in a partner tenant they are the access
containers that GDAP access assignments grant a customer's roles to, and their members are who may use them."""

import uuid
from dataclasses import dataclass

from sqlalchemy import select

from app.identity import service as identity
from app.kernel.context import SandboxContext
from app.kernel.errors import BadRequest, Conflict
from app.kernel.statements import add_now
from app.models import SecurityGroup, SecurityGroupMember, User


@dataclass(frozen=True)
class Group:
    group: SecurityGroup
    member_user_ids: list[uuid.UUID]


async def create_group(
    ctx: SandboxContext, *, tenant_id: uuid.UUID, display_name: str, member_user_ids: list[uuid.UUID]
) -> Group:
    """A security group of the tenant; its members must be users of the same tenant."""
    tenant = await identity.get_tenant(ctx, tenant_id)
    wanted = list(dict.fromkeys(member_user_ids))
    found = set(
        (
            await ctx.session.execute(
                select(User.id).where(
                    User.sandbox_id == ctx.sandbox_id, User.tenant_id == tenant.id, User.id.in_(wanted)
                )
            )
        ).scalars()
    )
    strangers = [str(u) for u in wanted if u not in found]
    if strangers:
        raise BadRequest(f"memberUserIds must be users of tenant {tenant.id}; these are not: {', '.join(strangers)}.")
    if await ctx.session.scalar(
        select(SecurityGroup.id).where(
            SecurityGroup.sandbox_id == ctx.sandbox_id,
            SecurityGroup.tenant_id == tenant.id,
            SecurityGroup.display_name == display_name,
        )
    ):
        raise Conflict(f"Tenant {tenant.id} already has a security group named '{display_name}'.")
    group = SecurityGroup(
        sandbox_id=ctx.sandbox_id,
        id=await ctx.new_id(),
        tenant_id=tenant.id,
        display_name=display_name,
        created_at=ctx.now,
    )
    await add_now(ctx.session, group)
    ctx.session.add_all(
        SecurityGroupMember(sandbox_id=ctx.sandbox_id, group_id=group.id, user_id=user_id) for user_id in wanted
    )
    await ctx.session.flush()
    return Group(group=group, member_user_ids=sorted(wanted))


async def list_groups(ctx: SandboxContext, *, tenant_id: uuid.UUID) -> list[Group]:
    tenant = await identity.get_tenant(ctx, tenant_id)
    groups = list(
        (
            await ctx.session.execute(
                select(SecurityGroup)
                .where(SecurityGroup.sandbox_id == ctx.sandbox_id, SecurityGroup.tenant_id == tenant.id)
                .order_by(SecurityGroup.created_at, SecurityGroup.id)
            )
        ).scalars()
    )
    members: dict[uuid.UUID, list[uuid.UUID]] = {g.id: [] for g in groups}
    rows = await ctx.session.execute(
        select(SecurityGroupMember.group_id, SecurityGroupMember.user_id).where(
            SecurityGroupMember.sandbox_id == ctx.sandbox_id, SecurityGroupMember.group_id.in_(list(members))
        )
    )
    for group_id, user_id in rows:
        members[group_id].append(user_id)
    return [Group(group=g, member_user_ids=sorted(members[g.id])) for g in groups]


async def group_of_tenant(ctx: SandboxContext, *, group_id: uuid.UUID, tenant_id: uuid.UUID) -> SecurityGroup | None:
    group = await ctx.session.get(SecurityGroup, (ctx.sandbox_id, group_id))
    return group if group is not None and group.tenant_id == tenant_id else None
