"""Microsoft Graph's GDAP API (`/v1.0/tenantRelationships`), the admin center's JSON twin of the approval page
(`/admin/v1/granularAdminRelationships`) and the control surface's security groups."""

import uuid
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Header, Query, Request, Response, status

from app.gdap import access, approval, groups, service
from app.gdap.duration import in_words
from app.gdap.odata import graph_page, next_link, relationship_filter
from app.gdap.roles import CATALOG, role_name
from app.gdap.schemas import (
    AccessAssignment,
    AccessAssignmentCreate,
    AccessAssignmentUpdate,
    AccessContainer,
    AccessDetails,
    AdminPartner,
    AdminRelationship,
    AdminRelationshipList,
    AdminRole,
    DelegatedAdminCustomer,
    GraphCollection,
    GroupCreate,
    GroupList,
    GroupOut,
    Operation,
    Relationship,
    RelationshipCreate,
    RelationshipCustomer,
    RelationshipEntity,
    RelationshipRequest,
    RelationshipRequestCreate,
    RelationshipUpdate,
    UnifiedRole,
)
from app.kernel.context import SandboxContext
from app.kernel.pagination import PageRequest
from app.kernel.pipeline import ADMIN_CENTER, GRAPH_API, CustomerCaller, GraphCaller, Operator, control_router
from app.models import (
    DelegatedAdminAccessAssignment,
    DelegatedAdminOperation,
    DelegatedAdminRelationship,
    DelegatedAdminRelationshipRequest,
    GdapRelationshipStatus,
    Tenant,
)

graph = GRAPH_API.router(tags=["graph: delegated admin relationships"], prefix="/tenantRelationships")
admin = ADMIN_CENTER.router(tags=["admin center"], prefix="/granularAdminRelationships")
control = control_router(tags=["control: security groups"])
RELATIONSHIPS = "/delegatedAdminRelationships"
ONE = RELATIONSHIPS + "/{relationship_id}"
Filter = Annotated[service.RelationshipFilter, Depends(relationship_filter)]
GraphPage = Annotated[PageRequest, Depends(graph_page)]
IfMatch = Annotated[str | None, Header(description="The @odata.etag last read; required.")]
Count = Annotated[bool, Query(alias="$count", description="Answer @odata.count too.")]


def _metadata(request: Request, fragment: str) -> str:
    """Graph's `@odata.context`: the service root's $metadata and what the answer holds."""
    return f"{request.base_url}v1.0/$metadata#{fragment}"


def _approval_link(
    request: Request, ctx: SandboxContext, relationship: DelegatedAdminRelationship | service.ShownRelationship
) -> str:
    # The sandbox rides in the query: relationship ids are unique only within a sandbox.
    page = request.url_for("gdap_approval_page", relationship_id=relationship.id)
    return f"{page}?sandbox={ctx.sandbox_id}"


def _relationship(
    request: Request, ctx: SandboxContext, r: DelegatedAdminRelationship | service.ShownRelationship
) -> dict[str, Any]:
    waiting = r.status is GdapRelationshipStatus.APPROVAL_PENDING
    return {
        "odata_etag": service.etag(r),
        "id": r.id,
        "display_name": r.display_name,
        "duration": r.duration,
        "status": r.status,
        "auto_extend_duration": r.auto_extend_duration,
        "created_date_time": r.created_at,
        "last_modified_date_time": r.last_modified_at,
        "activated_date_time": r.active_at,
        "end_date_time": r.end_at,
        "customer": (
            RelationshipCustomer(tenant_id=r.customer_tenant_id, display_name=r.customer_display_name)
            if r.customer_tenant_id
            else None
        ),
        "access_details": AccessDetails(
            unified_roles=[UnifiedRole(role_definition_id=x) for x in r.role_definition_ids]
        ),
        "approval_link": _approval_link(request, ctx, r) if waiting else None,
    }


def _entity(request: Request, ctx: SandboxContext, r: DelegatedAdminRelationship) -> RelationshipEntity:
    context = _metadata(request, "tenantRelationships/delegatedAdminRelationships/$entity")
    return RelationshipEntity.model_validate({**_relationship(request, ctx, r), "odata_context": context})


Item = TypeVar("Item", RelationshipRequest, AccessAssignment, Operation)


def _children(
    request: Request,
    collection: type[GraphCollection[Item]],
    relationship_id: uuid.UUID,
    segment: str,
    items: list[Item],
) -> GraphCollection[Item]:
    """A relationship's requests, access assignments or operations: Graph answers them whole, never paged."""
    context = f"tenantRelationships/delegatedAdminRelationships('{relationship_id}')/{segment}"
    return collection(odata_context=_metadata(request, context), value=items)


def _location(request: Request, route: str, **ids: uuid.UUID) -> dict[str, str]:
    return {"Location": str(request.url_for(route, **ids))}


def _roles(
    body: RelationshipCreate | RelationshipUpdate | AccessAssignmentCreate | AccessAssignmentUpdate,
) -> list[str]:
    return [role.role_definition_id for role in body.access_details.unified_roles] if body.access_details else []


@graph.post(
    RELATIONSHIPS,
    status_code=status.HTTP_201_CREATED,
    response_model=RelationshipEntity,
    summary="Create a delegatedAdminRelationship",
)
async def create_delegated_admin_relationship(
    ctx: GraphCaller, request: Request, response: Response, body: RelationshipCreate
) -> Any:
    """GDP-1: roles and a duration, for one customer or (without `customer`) any customer that approves. GDP-3:
    duration P1D..P2Y, autoExtendDuration PT0S/P0D/P180D and never with Global Administrator, displayName of at
    most 50 characters and unique, roles from the built-in catalog. GDP-4: not through the extension alone.
    Answers `created`; send lockForApproval to get the customer's approval link."""
    relationship = await service.request_relationship(
        ctx,
        terms=service.Terms(
            display_name=body.display_name,
            duration=body.duration,
            auto_extend_duration=body.auto_extend_duration,
            role_definition_ids=_roles(body),
        ),
        customer_id=body.customer.tenant_id if body.customer else None,
    )
    response.headers.update(_location(request, "get_delegated_admin_relationship", relationship_id=relationship.id))
    return _entity(request, ctx, relationship)


@graph.get(RELATIONSHIPS, response_model=GraphCollection[Relationship], summary="List delegatedAdminRelationships")
async def list_delegated_admin_relationships(
    ctx: GraphCaller, request: Request, where: Filter, page: GraphPage, count: Count = False
) -> Any:
    """The caller's own relationships. `$filter` takes `eq` clauses on status, customer/tenantId and displayName
    joined by `and`; `$top` (at most 300) pages through `@odata.nextLink`. `$select` and `$orderby` are ignored."""
    found = await service.list_relationships(ctx, page, where)
    return GraphCollection[Relationship](
        odata_context=_metadata(request, "tenantRelationships/delegatedAdminRelationships"),
        odata_count=found.total if count else None,
        value=[Relationship.model_validate(_relationship(request, ctx, r)) for r in found.items],
        odata_next_link=next_link(request, found),
    )


@graph.get(ONE, response_model=RelationshipEntity, summary="Get a delegatedAdminRelationship")
async def get_delegated_admin_relationship(ctx: GraphCaller, request: Request, relationship_id: uuid.UUID) -> Any:
    return _entity(request, ctx, await service.get_relationship(ctx, relationship_id))


@graph.patch(ONE, response_model=RelationshipEntity, summary="Update a delegatedAdminRelationship (If-Match)")
async def update_delegated_admin_relationship(
    ctx: GraphCaller, request: Request, relationship_id: uuid.UUID, body: RelationshipUpdate, if_match: IfMatch = None
) -> Any:
    """Only while `created` (and autoExtendDuration while `active`), with the current `@odata.etag` in If-Match:
    none is a 400, a stale one a 412 (GDP-3, whose limits the new values meet too)."""
    relationship = await service.update_relationship(
        ctx,
        relationship_id=relationship_id,
        if_match=if_match,
        changes=service.Changes(
            display_name=body.display_name,
            duration=body.duration,
            auto_extend_duration=body.auto_extend_duration,
            role_definition_ids=_roles(body) if body.access_details else None,
            customer_id=body.customer.tenant_id if body.customer else None,
        ),
    )
    return _entity(request, ctx, relationship)


@graph.delete(ONE, status_code=status.HTTP_204_NO_CONTENT, summary="Delete a delegatedAdminRelationship (If-Match)")
async def delete_delegated_admin_relationship(
    ctx: GraphCaller, relationship_id: uuid.UUID, if_match: IfMatch = None
) -> Response:
    """Only while `created`, with the current `@odata.etag` in If-Match (GDP-3)."""
    await service.delete_relationship(ctx, relationship_id=relationship_id, if_match=if_match)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


def _request(r: DelegatedAdminRelationshipRequest) -> RelationshipRequest:
    return RelationshipRequest(
        id=r.id,
        action=r.action,
        status=r.status,
        created_date_time=r.created_at,
        last_modified_date_time=r.last_modified_at,
    )


@graph.post(
    ONE + "/requests",
    status_code=status.HTTP_201_CREATED,
    response_model=RelationshipRequest,
    summary="Act on a relationship: lockForApproval or terminate",
)
async def create_relationship_request(
    ctx: GraphCaller, request: Request, response: Response, relationship_id: uuid.UUID, body: RelationshipRequestCreate
) -> Any:
    """lockForApproval: `created` → `approvalPending`, and the relationship's `approvalLink` is the page where the
    customer's Global admin approves within `gdapApprovalExpiryDays` (GDP-1). terminate: `active` →
    `terminationRequested` → `terminating` → `terminated` (GDP-2). The action is done when this answers."""
    done = await service.submit_request(ctx, relationship_id=relationship_id, action=body.action)
    response.headers.update(
        _location(request, "get_relationship_request", relationship_id=relationship_id, request_id=done.id)
    )
    return _request(done)


@graph.get(
    ONE + "/requests", response_model=GraphCollection[RelationshipRequest], summary="List a relationship's requests"
)
async def list_relationship_requests(ctx: GraphCaller, request: Request, relationship_id: uuid.UUID) -> Any:
    found = await service.list_requests(ctx, relationship_id=relationship_id)
    return _children(
        request, GraphCollection[RelationshipRequest], relationship_id, "requests", [_request(r) for r in found]
    )


@graph.get(ONE + "/requests/{request_id}", response_model=RelationshipRequest, summary="Get a relationship request")
async def get_relationship_request(ctx: GraphCaller, relationship_id: uuid.UUID, request_id: uuid.UUID) -> Any:
    return _request(await service.get_request(ctx, relationship_id=relationship_id, request_id=request_id))


def _assignment(a: DelegatedAdminAccessAssignment) -> AccessAssignment:
    return AccessAssignment.model_validate(
        {
            "odata_etag": service.etag(a),
            "id": a.id,
            "status": a.status,
            "created_date_time": a.created_at,
            "last_modified_date_time": a.last_modified_at,
            "access_container": AccessContainer(access_container_id=a.group_id),
            "access_details": AccessDetails(
                unified_roles=[UnifiedRole(role_definition_id=x) for x in a.role_definition_ids]
            ),
        }
    )


@graph.post(
    ONE + "/accessAssignments",
    status_code=status.HTTP_201_CREATED,
    response_model=AccessAssignment,
    summary="Assign roles of an active relationship to a security group",
)
async def create_access_assignment(
    ctx: GraphCaller, request: Request, response: Response, relationship_id: uuid.UUID, body: AccessAssignmentCreate
) -> Any:
    """A security group of the partner tenant gets some of the relationship's roles (a role outside them is refused,
    GDP-3). Answers `pending`; it is `active` once the timers run (every second, or on a clock move)."""
    assignment = await access.create_assignment(
        ctx,
        relationship_id=relationship_id,
        container_id=body.access_container.access_container_id,
        container_type=body.access_container.access_container_type,
        role_ids=_roles(body),
    )
    response.headers.update(
        _location(request, "get_access_assignment", relationship_id=relationship_id, assignment_id=assignment.id)
    )
    return _assignment(assignment)


@graph.get(
    ONE + "/accessAssignments",
    response_model=GraphCollection[AccessAssignment],
    summary="List a relationship's access assignments",
)
async def list_access_assignments(ctx: GraphCaller, request: Request, relationship_id: uuid.UUID) -> Any:
    found = await access.list_assignments(ctx, relationship_id=relationship_id)
    return _children(
        request,
        GraphCollection[AccessAssignment],
        relationship_id,
        "accessAssignments",
        [_assignment(a) for a in found],
    )


@graph.get(
    ONE + "/accessAssignments/{assignment_id}", response_model=AccessAssignment, summary="Get an access assignment"
)
async def get_access_assignment(ctx: GraphCaller, relationship_id: uuid.UUID, assignment_id: uuid.UUID) -> Any:
    return _assignment(await access.get_assignment(ctx, relationship_id=relationship_id, assignment_id=assignment_id))


@graph.patch(
    ONE + "/accessAssignments/{assignment_id}",
    response_model=AccessAssignment,
    summary="Change an access assignment's roles (If-Match): 202 and an operation",
    responses={202: {"description": "Accepted: follow the operation in Location."}},
)
async def update_access_assignment(
    ctx: GraphCaller,
    request: Request,
    relationship_id: uuid.UUID,
    assignment_id: uuid.UUID,
    body: AccessAssignmentUpdate,
    if_match: IfMatch = None,
) -> Any:
    """The new roles (only the relationship's, GDP-3) are applied by a long-running operation: 202 with its
    `Location` and `Retry-After`; it reaches `succeeded` when the timers run. The same roles answer 200, unchanged."""
    updated = await access.update_assignment(
        ctx, relationship_id=relationship_id, assignment_id=assignment_id, if_match=if_match, role_ids=_roles(body)
    )
    if updated.operation is None:
        return _assignment(updated.assignment)
    headers = _location(request, "get_operation", relationship_id=relationship_id, operation_id=updated.operation.id)
    headers["Retry-After"] = str(access.OPERATION_RETRY_AFTER_SECONDS)
    return Response(status_code=status.HTTP_202_ACCEPTED, headers=headers)


@graph.delete(
    ONE + "/accessAssignments/{assignment_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Remove an access assignment (If-Match)",
)
async def delete_access_assignment(
    ctx: GraphCaller, relationship_id: uuid.UUID, assignment_id: uuid.UUID, if_match: IfMatch = None
) -> Response:
    """The assignment is `deleting`, then `deleted` when the timers run."""
    await access.delete_assignment(ctx, relationship_id=relationship_id, assignment_id=assignment_id, if_match=if_match)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


def _operation(o: DelegatedAdminOperation) -> Operation:
    return Operation(
        id=o.id,
        operation_type=o.operation_type,
        data=access.operation_data(o),
        status=o.status.value,
        created_date_time=o.created_at,
        last_modified_date_time=o.last_modified_at,
    )


@graph.get(ONE + "/operations", response_model=GraphCollection[Operation], summary="List a relationship's operations")
async def list_operations(ctx: GraphCaller, request: Request, relationship_id: uuid.UUID) -> Any:
    found = await access.list_operations(ctx, relationship_id=relationship_id)
    return _children(request, GraphCollection[Operation], relationship_id, "operations", [_operation(o) for o in found])


@graph.get(ONE + "/operations/{operation_id}", response_model=Operation, summary="Get an operation")
async def get_operation(ctx: GraphCaller, relationship_id: uuid.UUID, operation_id: uuid.UUID) -> Any:
    return _operation(await access.get_operation(ctx, relationship_id=relationship_id, operation_id=operation_id))


def _customer(tenant: Tenant) -> DelegatedAdminCustomer:
    return DelegatedAdminCustomer(id=tenant.id, tenant_id=tenant.id, display_name=tenant.display_name)


@graph.get(
    "/delegatedAdminCustomers",
    response_model=GraphCollection[DelegatedAdminCustomer],
    summary="List the customers that granted you a relationship",
)
async def list_delegated_admin_customers(ctx: GraphCaller, request: Request, page: GraphPage) -> Any:
    """Customers with a relationship of yours that was approved and has not ended."""
    found = await service.list_delegated_admin_customers(ctx, page)
    return GraphCollection[DelegatedAdminCustomer](
        odata_context=_metadata(request, "tenantRelationships/delegatedAdminCustomers"),
        value=[_customer(t) for t in found.items],
        odata_next_link=next_link(request, found),
    )


@graph.get(
    "/delegatedAdminCustomers/{customer_id}",
    response_model=DelegatedAdminCustomer,
    summary="Get a delegatedAdminCustomer",
)
async def get_delegated_admin_customer(ctx: GraphCaller, customer_id: uuid.UUID) -> Any:
    return _customer(await service.get_delegated_admin_customer(ctx, customer_id))


# --- the admin center: the customer's JSON twin of the approval page ------------------------------------------------


def _admin_relationship(view: approval.ApprovalView, ctx: SandboxContext) -> AdminRelationship:
    r = view.relationship
    return AdminRelationship(
        id=r.id,
        display_name=r.display_name,
        status=r.status,
        partner=AdminPartner(tenant_id=view.partner.id, name=view.partner.display_name, mpn_id=view.partner_mpn_id),
        roles=[
            AdminRole(role_definition_id=x, name=role_name(x), grants=CATALOG[x].grants if x in CATALOG else "")
            for x in r.role_definition_ids
        ],
        duration=r.duration,
        duration_in_words=in_words(service.length_of(r)),
        auto_extend_duration=r.auto_extend_duration,
        created_date_time=r.created_at,
        approval_expires_date_time=approval.approval_expires_at(ctx, r),
        activated_date_time=r.active_at,
        end_date_time=r.end_at,
    )


@admin.get("", response_model=AdminRelationshipList, summary="The partners' admin relationships with the customer")
async def list_customer_relationships(ctx: CustomerCaller) -> Any:
    """Only the relationships addressed to the calling customer, whatever their status."""
    return AdminRelationshipList(items=[_admin_relationship(v, ctx) for v in await approval.list_for_customer(ctx)])


@admin.get("/{relationship_id}", response_model=AdminRelationship, summary="A partner's admin relationship request")
async def read_customer_relationship(ctx: CustomerCaller, relationship_id: uuid.UUID) -> Any:
    return _admin_relationship(await approval.customer_view(ctx, relationship_id=relationship_id), ctx)


@admin.post(
    "/{relationship_id}/approve",
    response_model=AdminRelationship,
    summary="Approve a partner's admin relationship (customer Global admin)",
)
async def approve_customer_relationship(ctx: CustomerCaller, relationship_id: uuid.UUID) -> Any:
    """The same service call as the approval page's button (GDP-1, GDP-2, GDP-4)."""
    return _admin_relationship(await approval.approve_relationship(ctx, relationship_id=relationship_id), ctx)


@admin.post(
    "/{relationship_id}/terminate",
    response_model=AdminRelationship,
    summary="End a partner's admin relationship (customer Global admin)",
)
async def terminate_customer_relationship(ctx: CustomerCaller, relationship_id: uuid.UUID) -> Any:
    """GDP-2: the customer ends an active relationship; the partner's access ends with it."""
    return _admin_relationship(await approval.terminate_by_customer(ctx, relationship_id=relationship_id), ctx)


# --- the control surface: security groups ---------------------------------------------------------------------------


def _group(found: groups.Group) -> GroupOut:
    g = found.group
    return GroupOut(
        id=g.id,
        tenant_id=g.tenant_id,
        display_name=g.display_name,
        member_user_ids=found.member_user_ids,
        created_at=g.created_at,
    )


@control.post(
    "/tenants/{tenant_id}/groups",
    status_code=status.HTTP_201_CREATED,
    response_model=GroupOut,
    summary="Create a security group with its members",
)
async def create_group(ctx: Operator, tenant_id: uuid.UUID, body: GroupCreate) -> Any:
    """In a partner tenant, the access container GDAP access assignments grant customers' roles to."""
    return _group(
        await groups.create_group(
            ctx, tenant_id=tenant_id, display_name=body.display_name, member_user_ids=body.member_user_ids
        )
    )


@control.get("/tenants/{tenant_id}/groups", response_model=GroupList, summary="List a tenant's security groups")
async def list_groups(ctx: Operator, tenant_id: uuid.UUID) -> Any:
    return GroupList(items=[_group(g) for g in await groups.list_groups(ctx, tenant_id=tenant_id)])
