"""Bodies of Graph's GDAP API (`microsoft.graph.delegatedAdmin*`), of the admin center's JSON twin and of the
control surface's security groups."""

import uuid
from datetime import datetime
from typing import Generic, TypeVar

from pydantic import Field, computed_field

from app.kernel.pagination import Links, ResourceAttributes
from app.models import AccessAssignmentStatus, GdapRelationshipStatus, GdapRequestAction, GdapRequestStatus
from app.wire import Request, Schema

T = TypeVar("T")
GRAPH_TYPE = "@odata.type"


class GraphRequest(Request):
    """A Graph request body; Graph's SDKs may name the type they send, which changes nothing."""

    odata_type: str | None = Field(None, alias=GRAPH_TYPE)


class UnifiedRoleIn(GraphRequest):
    role_definition_id: str = Field(max_length=100, description="The template id of a built-in Entra role.")


class AccessDetailsIn(GraphRequest):
    unified_roles: list[UnifiedRoleIn] = Field(max_length=100)


class RelationshipCustomerIn(GraphRequest):
    tenant_id: uuid.UUID
    display_name: str | None = Field(None, max_length=256, description="Ignored: the tenant's own name is used.")


class RelationshipCreate(GraphRequest):
    # The limits (GDP-3) are checked by the service, so that a refusal names its rule; only absurd input stops here.
    display_name: str = Field(max_length=1000, description="At most 50 characters, unique among your relationships.")
    duration: str = Field(max_length=100, description="ISO 8601, P1D to P2Y, e.g. P730D.")
    customer: RelationshipCustomerIn | None = Field(
        None, description="Leave out to let any customer's Global admin approve."
    )
    access_details: AccessDetailsIn
    auto_extend_duration: str = Field("PT0S", max_length=100, description="PT0S or P0D (none), or P180D.")


class RelationshipUpdate(GraphRequest):
    display_name: str | None = Field(None, max_length=1000)
    duration: str | None = Field(None, max_length=100)
    customer: RelationshipCustomerIn | None = None
    access_details: AccessDetailsIn | None = None
    auto_extend_duration: str | None = Field(None, max_length=100)


class RelationshipRequestCreate(GraphRequest):
    action: GdapRequestAction


class AccessContainerIn(GraphRequest):
    access_container_id: uuid.UUID = Field(description="A security group of the partner tenant.")
    access_container_type: str = "securityGroup"


class AccessAssignmentCreate(GraphRequest):
    access_container: AccessContainerIn
    access_details: AccessDetailsIn


class AccessAssignmentUpdate(GraphRequest):
    access_details: AccessDetailsIn


class UnifiedRole(Schema):
    role_definition_id: str


class AccessDetails(Schema):
    unified_roles: list[UnifiedRole]


class RelationshipCustomer(Schema):
    tenant_id: uuid.UUID | None
    display_name: str | None


class Relationship(Schema):
    """`microsoft.graph.delegatedAdminRelationship`."""

    odata_type: str = Field("#microsoft.graph.delegatedAdminRelationship", alias=GRAPH_TYPE)
    odata_etag: str = Field(alias="@odata.etag")
    id: uuid.UUID
    display_name: str
    duration: str
    status: GdapRelationshipStatus
    auto_extend_duration: str
    created_date_time: datetime
    last_modified_date_time: datetime
    activated_date_time: datetime | None
    end_date_time: datetime | None
    customer: RelationshipCustomer | None
    access_details: AccessDetails
    approval_link: str | None = Field(
        description="cspsim: while approvalPending, the admin center page where the customer's Global admin approves."
    )


class RelationshipEntity(Relationship):
    odata_context: str = Field(alias="@odata.context")


class RelationshipRequest(Schema):
    """`microsoft.graph.delegatedAdminRelationshipRequest`."""

    odata_type: str = Field("#microsoft.graph.delegatedAdminRelationshipRequest", alias=GRAPH_TYPE)
    id: uuid.UUID
    action: GdapRequestAction
    status: GdapRequestStatus
    created_date_time: datetime
    last_modified_date_time: datetime


class AccessContainer(Schema):
    access_container_id: uuid.UUID
    access_container_type: str = "securityGroup"


class AccessAssignment(Schema):
    """`microsoft.graph.delegatedAdminAccessAssignment`."""

    odata_type: str = Field("#microsoft.graph.delegatedAdminAccessAssignment", alias=GRAPH_TYPE)
    odata_etag: str = Field(alias="@odata.etag")
    id: uuid.UUID
    status: AccessAssignmentStatus
    created_date_time: datetime
    last_modified_date_time: datetime
    access_container: AccessContainer
    access_details: AccessDetails


class Operation(Schema):
    """`microsoft.graph.delegatedAdminRelationshipOperation`."""

    odata_type: str = Field("#microsoft.graph.delegatedAdminRelationshipOperation", alias=GRAPH_TYPE)
    id: uuid.UUID
    operation_type: str
    data: str
    status: str
    created_date_time: datetime
    last_modified_date_time: datetime


class DelegatedAdminCustomer(Schema):
    """`microsoft.graph.delegatedAdminCustomer`."""

    odata_type: str = Field("#microsoft.graph.delegatedAdminCustomer", alias=GRAPH_TYPE)
    id: uuid.UUID
    tenant_id: uuid.UUID
    display_name: str


class GraphCollection(Schema, Generic[T]):
    """Graph's collection envelope: `@odata.nextLink` only when there is a next page."""

    odata_context: str = Field(alias="@odata.context")
    odata_count: int | None = Field(None, alias="@odata.count", exclude_if=lambda v: v is None)
    value: list[T]
    odata_next_link: str | None = Field(None, alias="@odata.nextLink", exclude_if=lambda v: v is None)


# --- the admin center (the customer's JSON twin of the approval page) ----------------------------------------------


class AdminRole(Schema):
    role_definition_id: str
    name: str
    grants: str


class AdminPartner(Schema):
    tenant_id: uuid.UUID
    name: str
    mpn_id: str | None


class AdminRelationship(Schema):
    id: uuid.UUID
    display_name: str
    status: GdapRelationshipStatus
    partner: AdminPartner
    roles: list[AdminRole]
    duration: str
    duration_in_words: str
    auto_extend_duration: str
    created_date_time: datetime
    approval_expires_date_time: datetime | None
    activated_date_time: datetime | None
    end_date_time: datetime | None


class AdminRelationshipList(Schema):
    """Partner Center's collection envelope (the whole list: the admin center does not page it)."""

    items: list[AdminRelationship]
    links: Links = Field(default_factory=Links)
    attributes: ResourceAttributes = ResourceAttributes(object_type="Collection")

    @computed_field  # type: ignore[prop-decorator]
    @property
    def total_count(self) -> int:
        return len(self.items)


# --- the control surface: security groups ---------------------------------------------------------------------------


class GroupCreate(Request):
    display_name: str = Field(min_length=1, max_length=256)
    member_user_ids: list[uuid.UUID] = Field(default_factory=list, max_length=1000)


class GroupOut(Schema):
    id: uuid.UUID
    tenant_id: uuid.UUID
    display_name: str
    member_user_ids: list[uuid.UUID]
    created_at: datetime


class GroupList(Schema):
    items: list[GroupOut]
