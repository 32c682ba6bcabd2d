"""Access assignments (a relationship's roles granted to a security group of the partner tenant), the long-running
operations that change them, and the effective access that follows: `may_act`, asked by every route that needs
admin rights in a customer tenant.

    assignment:  pending ──(activates)──> active ──(DELETE)──> deleting ──> deleted
    PATCH roles: 202 + operation notStarted ──> running ──> succeeded (roles changed) | failed
"""

import json
import uuid
from dataclasses import dataclass

from sqlalchemy import and_, or_, select

from app.events.service import move, record_change
from app.gdap import groups
from app.gdap.lifecycle import LIVE_ASSIGNMENT, OPERATION
from app.gdap.roles import GLOBAL_ADMINISTRATOR, role_name
from app.gdap.service import (
    ASSIGNMENT_RESOURCE,
    AUTO_EXTENSION,
    check_roles,
    child_of,
    children_of,
    etag,
    get_relationship,
    move_assignment,
    require_etag,
    require_manager,
    touch,
)
from app.kernel import lookup, timers
from app.kernel.context import PartnerContext, SandboxContext
from app.kernel.errors import BadRequest, Conflict, NotFound, RuleViolation
from app.kernel.statements import add_now
from app.models import (
    AccessAssignmentStatus,
    DelegatedAdminAccessAssignment,
    DelegatedAdminOperation,
    DelegatedAdminRelationship,
    GdapRelationshipStatus,
    OperationStatus,
    SecurityGroupMember,
)

A = AccessAssignmentStatus
CONTAINER_TYPE = "securityGroup"
UPDATE_OPERATION = "delegatedAdminAccessAssignmentUpdate"
OPERATION_RESOURCE = "GranularAdminRelationshipOperation"
ASSIGNMENT_ACTIVATION_TIMER = "gdap.assignment-activation"
ASSIGNMENT_DELETION_TIMER = "gdap.assignment-deletion"
OPERATION_TIMER = "gdap.operation"
# How long to wait before looking at an operation again (Graph says 10); cspsim runs it on the next timer tick.
OPERATION_RETRY_AFTER_SECONDS = 1
OPERATION_EVENTS = {
    OperationStatus.RUNNING: "granular-admin-operation-running",
    OperationStatus.SUCCEEDED: "granular-admin-operation-succeeded",
    OperationStatus.FAILED: "granular-admin-operation-failed",
}


async def _live_for_group(ctx: SandboxContext, relationship_id: uuid.UUID, group_id: uuid.UUID) -> bool:
    return bool(
        await ctx.session.scalar(
            select(DelegatedAdminAccessAssignment.id)
            .where(
                DelegatedAdminAccessAssignment.sandbox_id == ctx.sandbox_id,
                DelegatedAdminAccessAssignment.relationship_id == relationship_id,
                DelegatedAdminAccessAssignment.group_id == group_id,
                DelegatedAdminAccessAssignment.status.in_(LIVE_ASSIGNMENT),
            )
            .limit(1)
        )
    )


async def create_assignment(
    ctx: PartnerContext,
    *,
    relationship_id: uuid.UUID,
    container_id: uuid.UUID,
    container_type: str,
    role_ids: list[str],
) -> DelegatedAdminAccessAssignment:
    """Grant roles of an active relationship to a security group of the partner tenant (GDP-3: only the
    relationship's roles). The assignment starts `pending` and becomes `active` on the next timer tick."""
    require_manager(ctx)
    relationship = await get_relationship(ctx, relationship_id, for_update=True)
    if relationship.status is not GdapRelationshipStatus.ACTIVE:
        raise Conflict(
            f"The relationship is {relationship.status}: access assignments can be made only on an active one."
        )
    if container_type != CONTAINER_TYPE:
        raise BadRequest(f"accessContainerType must be {CONTAINER_TYPE}.")
    group = await groups.group_of_tenant(ctx, group_id=container_id, tenant_id=relationship.partner_tenant_id)
    if group is None:
        raise BadRequest(f"accessContainerId {container_id} is not a security group of your tenant.")
    roles = check_roles(role_ids, within=relationship)
    if await _live_for_group(ctx, relationship.id, group.id):
        raise Conflict(f"The security group {group.id} already has an access assignment in this relationship.")
    assignment = DelegatedAdminAccessAssignment(
        sandbox_id=ctx.sandbox_id,
        id=await ctx.new_id(),
        relationship_id=relationship.id,
        group_id=group.id,
        role_definition_ids=roles,
        status=A.PENDING,
        version=1,
        created_at=ctx.now,
        last_modified_at=ctx.now,
    )
    await add_now(ctx.session, assignment)
    await record_change(
        ctx,
        event="granular-admin-access-assignment-created",
        operation_type="create_access_assignment",
        tenant_id=relationship.partner_tenant_id,
        customer_id=relationship.customer_tenant_id,
        data={"relationshipId": str(relationship.id)},
        resource_type=ASSIGNMENT_RESOURCE,
        resource_id=assignment.id,
        new_value={"groupId": str(group.id), "roles": roles},
    )
    await timers.schedule(ctx, kind=ASSIGNMENT_ACTIVATION_TIMER, ref=assignment.id, due_at=ctx.now)
    return assignment


async def list_assignments(ctx: PartnerContext, *, relationship_id: uuid.UUID) -> list[DelegatedAdminAccessAssignment]:
    return await children_of(ctx, DelegatedAdminAccessAssignment, relationship_id=relationship_id)


async def get_assignment(
    ctx: PartnerContext, *, relationship_id: uuid.UUID, assignment_id: uuid.UUID, for_update: bool = False
) -> DelegatedAdminAccessAssignment:
    """An assignment of one of the caller's own relationships; any other is not found."""
    return await child_of(
        ctx,
        DelegatedAdminAccessAssignment,
        relationship_id=relationship_id,
        child_id=assignment_id,
        name="Access assignment",
        for_update=for_update,
    )


@dataclass(frozen=True)
class Updated:
    assignment: DelegatedAdminAccessAssignment
    # The long-running change, or None when the roles asked for are the ones it already has.
    operation: DelegatedAdminOperation | None


async def update_assignment(
    ctx: PartnerContext,
    *,
    relationship_id: uuid.UUID,
    assignment_id: uuid.UUID,
    if_match: str | None,
    role_ids: list[str],
) -> Updated:
    """PATCH an assignment's roles with If-Match (GDP-3: only the relationship's roles). Graph changes them in a
    long-running operation, which the next timer tick runs to `succeeded`; the same roles change nothing."""
    require_manager(ctx)
    relationship = await get_relationship(ctx, relationship_id)
    assignment = await get_assignment(
        ctx, relationship_id=relationship.id, assignment_id=assignment_id, for_update=True
    )
    require_etag(if_match, etag(assignment))
    if assignment.status not in LIVE_ASSIGNMENT:
        raise Conflict(f"The access assignment is {assignment.status}; it can no longer change.")
    roles = check_roles(role_ids, within=relationship)
    if set(roles) == set(assignment.role_definition_ids):
        return Updated(assignment=assignment, operation=None)
    operation = DelegatedAdminOperation(
        sandbox_id=ctx.sandbox_id,
        id=await ctx.new_id(),
        relationship_id=relationship.id,
        operation_type=UPDATE_OPERATION,
        payload={
            "accessAssignmentId": str(assignment.id),
            "accessDetails": {"unifiedRoles": [{"roleDefinitionId": r} for r in roles]},
        },
        status=OperationStatus.NOT_STARTED,
        created_at=ctx.now,
        last_modified_at=ctx.now,
    )
    await add_now(ctx.session, operation)
    await timers.schedule(ctx, kind=OPERATION_TIMER, ref=operation.id, due_at=ctx.now)
    return Updated(assignment=assignment, operation=operation)


async def delete_assignment(
    ctx: PartnerContext, *, relationship_id: uuid.UUID, assignment_id: uuid.UUID, if_match: str | None
) -> None:
    """DELETE with If-Match: the assignment is `deleting`, then `deleted` on the next timer tick."""
    require_manager(ctx)
    relationship = await get_relationship(ctx, relationship_id)
    assignment = await get_assignment(
        ctx, relationship_id=relationship.id, assignment_id=assignment_id, for_update=True
    )
    require_etag(if_match, etag(assignment))
    await move_assignment(ctx, assignment, A.DELETING, partner_id=relationship.partner_tenant_id, action="delete")
    await timers.schedule(ctx, kind=ASSIGNMENT_DELETION_TIMER, ref=assignment.id, due_at=ctx.now)
    await ctx.session.flush()


def operation_data(operation: DelegatedAdminOperation) -> str:
    """Graph answers an operation's payload as a JSON string."""
    return json.dumps(operation.payload, separators=(",", ":"))


async def list_operations(ctx: PartnerContext, *, relationship_id: uuid.UUID) -> list[DelegatedAdminOperation]:
    return await children_of(ctx, DelegatedAdminOperation, relationship_id=relationship_id)


async def get_operation(
    ctx: PartnerContext, *, relationship_id: uuid.UUID, operation_id: uuid.UUID
) -> DelegatedAdminOperation:
    return await child_of(
        ctx, DelegatedAdminOperation, relationship_id=relationship_id, child_id=operation_id, name="Operation"
    )


# --- timers ---------------------------------------------------------------------------------------------------------


async def _assignment_and_relationship(
    ctx: SandboxContext, assignment_id: uuid.UUID
) -> tuple[DelegatedAdminAccessAssignment, DelegatedAdminRelationship] | None:
    assignment = (
        await ctx.session.execute(
            select(DelegatedAdminAccessAssignment)
            .where(
                DelegatedAdminAccessAssignment.sandbox_id == ctx.sandbox_id,
                DelegatedAdminAccessAssignment.id == assignment_id,
            )
            .with_for_update()
        )
    ).scalar_one_or_none()
    if assignment is None:
        return None
    relationship = await lookup.one(
        ctx, DelegatedAdminRelationship, assignment.relationship_id, what="Delegated admin relationship"
    )
    return assignment, relationship


@timers.on_timer(ASSIGNMENT_ACTIVATION_TIMER)
async def _activate_assignment(ctx: SandboxContext, timer: timers.Due) -> None:
    found = await _assignment_and_relationship(ctx, uuid.UUID(timer.ref))
    if found is None or found[0].status is not A.PENDING:
        return
    assignment, relationship = found
    await move_assignment(ctx, assignment, A.ACTIVE, partner_id=relationship.partner_tenant_id, action="activate")


@timers.on_timer(ASSIGNMENT_DELETION_TIMER)
async def _finish_deletion(ctx: SandboxContext, timer: timers.Due) -> None:
    found = await _assignment_and_relationship(ctx, uuid.UUID(timer.ref))
    if found is None or found[0].status is not A.DELETING:
        return
    assignment, relationship = found
    await move_assignment(ctx, assignment, A.DELETED, partner_id=relationship.partner_tenant_id, action="delete")


async def _move_operation(
    ctx: SandboxContext, operation: DelegatedAdminOperation, target: OperationStatus, *, partner_id: uuid.UUID
) -> None:
    await move(
        ctx,
        operation,
        OPERATION,
        target,
        action=operation.operation_type,
        event=OPERATION_EVENTS[target],
        resource_type=OPERATION_RESOURCE,
        tenant_ids=[partner_id],
    )
    operation.last_modified_at = ctx.now


@timers.on_timer(OPERATION_TIMER)
async def _run_operation(ctx: SandboxContext, timer: timers.Due) -> None:
    """Apply an assignment's new roles; an assignment deleted meanwhile makes the operation fail."""
    operation = (
        await ctx.session.execute(
            select(DelegatedAdminOperation)
            .where(
                DelegatedAdminOperation.sandbox_id == ctx.sandbox_id, DelegatedAdminOperation.id == uuid.UUID(timer.ref)
            )
            .with_for_update()
        )
    ).scalar_one_or_none()
    if operation is None or operation.status is not OperationStatus.NOT_STARTED:
        return
    assignment_id = uuid.UUID(operation.payload["accessAssignmentId"])
    found = await _assignment_and_relationship(ctx, assignment_id)
    if found is None:  # assignments are never deleted, only moved to `deleted`: only a hand-edited row lands here
        raise NotFound("Access assignment", assignment_id)
    assignment, relationship = found
    partner_id = relationship.partner_tenant_id
    await _move_operation(ctx, operation, OperationStatus.RUNNING, partner_id=partner_id)
    if assignment.status not in LIVE_ASSIGNMENT:
        operation.error = f"The access assignment is {assignment.status}."
        await _move_operation(ctx, operation, OperationStatus.FAILED, partner_id=partner_id)
        return
    previous = list(assignment.role_definition_ids)
    assignment.role_definition_ids = [r["roleDefinitionId"] for r in operation.payload["accessDetails"]["unifiedRoles"]]
    touch(ctx, assignment)
    await record_change(
        ctx,
        event="granular-admin-access-assignment-updated",
        operation_type="update_access_assignment",
        resource_type=ASSIGNMENT_RESOURCE,
        resource_id=assignment.id,
        tenant_id=partner_id,
        customer_id=relationship.customer_tenant_id,
        data={"relationshipId": str(relationship.id), "operationId": str(operation.id)},
        old_value={"roles": previous},
        new_value={"roles": assignment.role_definition_ids},
    )
    await _move_operation(ctx, operation, OperationStatus.SUCCEEDED, partner_id=partner_id)


# --- effective access -----------------------------------------------------------------------------------------------


async def may_act(
    ctx: SandboxContext, *, partner_tenant_id: uuid.UUID, user_id: uuid.UUID, customer_id: uuid.UUID, role_id: str
) -> bool:
    """Whether a user of the partner holds `role_id` in the customer's tenant now, on the sandbox clock: through an
    active relationship with the customer (not past its end date, unless it auto-extends) that holds the role, and an
    active access assignment of the role to a security group the user is a member of. Global Administrator covers
    every role."""
    covering = {role_id.lower(), GLOBAL_ADMINISTRATOR}
    relationship, assignment, member = DelegatedAdminRelationship, DelegatedAdminAccessAssignment, SecurityGroupMember
    stmt = (
        select(relationship.role_definition_ids, assignment.role_definition_ids)
        .join(
            assignment,
            and_(assignment.sandbox_id == relationship.sandbox_id, assignment.relationship_id == relationship.id),
        )
        .join(member, and_(member.sandbox_id == assignment.sandbox_id, member.group_id == assignment.group_id))
        .where(
            relationship.sandbox_id == ctx.sandbox_id,
            relationship.partner_tenant_id == partner_tenant_id,
            relationship.customer_tenant_id == customer_id,
            relationship.status == GdapRelationshipStatus.ACTIVE,
            or_(relationship.end_at > ctx.now, relationship.auto_extend_duration == AUTO_EXTENSION),
            assignment.status == A.ACTIVE,
            member.user_id == user_id,
        )
    )
    rows = (await ctx.session.execute(stmt)).all()
    return any(covering & set(granted) & set(assigned) for granted, assigned in rows)


async def require_admin_access(
    ctx: SandboxContext, *, customer_id: uuid.UUID, role_ids: tuple[str, ...], action: str
) -> None:
    """GDP-1: a partner acts as an administrator in a customer's tenant only through GDAP: a role the customer
    approved, on a relationship that is active now (so an expired or terminated one locks it out, GDP-2), assigned
    to a security group the calling user belongs to. An app alone holds no GDAP role: it calls with a user."""
    names = " or ".join(role_name(r) for r in role_ids)
    partner_id, user_id = ctx.actor.tenant_id, ctx.actor.user_id
    if partner_id is None or user_id is None:
        raise RuleViolation(
            "GDP-1",
            f"GDAP roles are held by users (through security groups), not by an app alone: to {action}, call as "
            f"a user of your tenant with the {names} role (app + user token, or a portal sign-in).",
        )
    for role_id in role_ids:
        if await may_act(ctx, partner_tenant_id=partner_id, user_id=user_id, customer_id=customer_id, role_id=role_id):
            return
    raise RuleViolation(
        "GDP-1",
        f"You hold no active GDAP role in this customer's tenant that lets you {action} (needed: {names}). Request a "
        "relationship with that role (POST /v1.0/tenantRelationships/delegatedAdminRelationships), have the "
        "customer's Global admin approve it, and assign the role to a security group you belong to; an expired or "
        "terminated relationship grants nothing.",
    )
