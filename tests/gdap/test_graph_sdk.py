"""Microsoft's Graph SDK for Python (msgraph-sdk) against cspsim, unchanged: GDAP through its own request
builders and models, over real HTTPS, with its token from azure-identity's ClientSecretCredential.

The only settings are the ones README's "Point your code at cspsim" gives: the authority (cspsim's base URL),
instance discovery off, the local CA trusted, cspsim's host allowed for the token, and the adapter's base URL.
"""

import ssl
from collections.abc import AsyncIterator
from datetime import timedelta
from urllib.parse import urlsplit

import httpx
import pytest
from azure.core.pipeline.transport import RequestsTransport
from azure.identity import ClientSecretCredential
from kiota_abstractions.base_request_configuration import RequestConfiguration
from kiota_authentication_azure.azure_identity_authentication_provider import AzureIdentityAuthenticationProvider
from msgraph import GraphRequestAdapter, GraphServiceClient
from msgraph.generated.models.delegated_admin_access_details import DelegatedAdminAccessDetails
from msgraph.generated.models.delegated_admin_relationship import DelegatedAdminRelationship
from msgraph.generated.models.delegated_admin_relationship_customer_participant import (
    DelegatedAdminRelationshipCustomerParticipant,
)
from msgraph.generated.models.delegated_admin_relationship_request import DelegatedAdminRelationshipRequest
from msgraph.generated.models.delegated_admin_relationship_request_action import (
    DelegatedAdminRelationshipRequestAction,
)
from msgraph.generated.models.delegated_admin_relationship_request_status import (
    DelegatedAdminRelationshipRequestStatus,
)
from msgraph.generated.models.delegated_admin_relationship_status import DelegatedAdminRelationshipStatus
from msgraph.generated.models.o_data_errors.o_data_error import ODataError
from msgraph.generated.models.unified_role import UnifiedRole
from msgraph.generated.tenant_relationships.delegated_admin_relationships.delegated_admin_relationships_request_builder import (  # noqa: E501
    DelegatedAdminRelationshipsRequestBuilder,
)
from msgraph_core import GraphClientFactory

from tests.gdap.steps import GLOBAL_READER, USER_ADMINISTRATOR, approve, customer_of
from tests.live import Live
from tests.world import Party, World

GRAPH_SCOPE = "https://graph.microsoft.com/.default"


@pytest.fixture
async def graph_client(live: Live) -> AsyncIterator[tuple[World, Party, GraphServiceClient]]:
    world = await World.create(live.http)
    partner = await world.direct_bill_partner(name="Contoso")
    credential = ClientSecretCredential(
        partner.id,
        partner.app["clientId"],
        partner.app["clientSecret"],
        authority=live.base,
        disable_instance_discovery=True,
        transport=RequestsTransport(connection_verify=str(live.ca)),
    )
    auth = AzureIdentityAuthenticationProvider(
        credential, scopes=[GRAPH_SCOPE], allowed_hosts=[urlsplit(live.base).hostname or ""]
    )
    # The SDK wraps the client's transport in its middleware and does not close what it wraps: keep our own.
    transport = httpx.AsyncHTTPTransport(verify=ssl.create_default_context(cafile=str(live.ca)))
    http = GraphClientFactory.create_with_default_middleware(client=httpx.AsyncClient(transport=transport))
    adapter = GraphRequestAdapter(auth, client=http)
    adapter.base_url = f"{live.base}/v1.0"
    try:
        yield world, partner, GraphServiceClient(request_adapter=adapter)
    finally:
        await http.aclose()
        await transport.aclose()
        credential.close()


def roles(*ids: str) -> DelegatedAdminAccessDetails:
    return DelegatedAdminAccessDetails(unified_roles=[UnifiedRole(role_definition_id=i) for i in ids])


async def test_graph_sdk_runs_the_gdap_flow(graph_client: tuple[World, Party, GraphServiceClient]) -> None:
    """create → lockForApproval → list with $filter → the customer approves → read back active."""
    world, partner, graph = graph_client
    customer = await customer_of(world, partner, "fabrikam")
    relationships = graph.tenant_relationships.delegated_admin_relationships

    created = await relationships.post(
        DelegatedAdminRelationship(
            display_name="Fabrikam admins",
            # ISO 8601 strings: the SDK writes a timedelta as str(timedelta) (see the last test).
            duration="P730D",  # type: ignore[arg-type]
            customer=DelegatedAdminRelationshipCustomerParticipant(tenant_id=customer.id),
            access_details=roles(USER_ADMINISTRATOR, GLOBAL_READER),
            auto_extend_duration="P180D",  # type: ignore[arg-type]
        )
    )
    assert created is not None
    assert created.id is not None
    assert created.status == DelegatedAdminRelationshipStatus.Created
    assert created.display_name == "Fabrikam admins"
    assert created.duration == timedelta(days=730)
    assert created.auto_extend_duration == timedelta(days=180)
    assert created.customer is not None
    assert created.customer.display_name == "Fabrikam"
    assert created.access_details is not None
    assert created.access_details.unified_roles is not None
    assert [r.role_definition_id for r in created.access_details.unified_roles] == [USER_ADMINISTRATOR, GLOBAL_READER]
    assert created.activated_date_time is None

    relationship = relationships.by_delegated_admin_relationship_id(created.id)
    request = await relationship.requests.post(
        DelegatedAdminRelationshipRequest(action=DelegatedAdminRelationshipRequestAction.LockForApproval)
    )
    assert request is not None
    assert request.id is not None
    assert request.action == DelegatedAdminRelationshipRequestAction.LockForApproval
    assert request.status in {
        DelegatedAdminRelationshipRequestStatus.Created,
        DelegatedAdminRelationshipRequestStatus.Succeeded,
    }

    locked = await relationship.get()
    assert locked is not None
    assert locked.status == DelegatedAdminRelationshipStatus.ApprovalPending
    # approvalLink is not in the SDK's v1.0 model: kiota keeps it with the properties it does not know.
    assert created.id in locked.additional_data["approvalLink"]

    # A second relationship that stays `created`, so the filter has something to leave out.
    other = await relationships.post(
        DelegatedAdminRelationship(
            display_name="Other",
            duration="P30D",  # type: ignore[arg-type]
            access_details=roles(GLOBAL_READER),
        )
    )
    assert other is not None
    assert other.id is not None

    def status_is(status: str) -> object:
        return RequestConfiguration(
            query_parameters=DelegatedAdminRelationshipsRequestBuilder.DelegatedAdminRelationshipsRequestBuilderGetQueryParameters(
                filter=f"status eq '{status}'"
            )
        )

    pending = await relationships.get(request_configuration=status_is("approvalPending"))  # type: ignore[arg-type]
    assert pending is not None
    assert pending.value is not None
    assert [r.id for r in pending.value] == [created.id]

    r = await approve(customer, created.id)
    assert r.status_code == 200, r.text

    active = await relationship.get()
    assert active is not None
    assert active.status == DelegatedAdminRelationshipStatus.Active
    assert active.activated_date_time is not None
    assert active.end_date_time == active.activated_date_time + timedelta(days=730)

    listed = await relationships.get(request_configuration=status_is("active"))  # type: ignore[arg-type]
    assert listed is not None
    assert listed.value is not None
    assert [(r.id, r.status) for r in listed.value] == [(created.id, DelegatedAdminRelationshipStatus.Active)]
    everything = await relationships.get()
    assert everything is not None
    assert everything.value is not None
    assert {r.id for r in everything.value} == {created.id, other.id}


async def test_graph_sdk_raises_graphs_error_shape(graph_client: tuple[World, Party, GraphServiceClient]) -> None:
    """A refusal reaches the SDK as its ODataError, with Graph's code and message (GDP-3: no Global Administrator
    with auto-extend)."""
    _, _, graph = graph_client
    with pytest.raises(ODataError) as refused:
        await graph.tenant_relationships.delegated_admin_relationships.post(
            DelegatedAdminRelationship(
                display_name="too broad",
                duration="P730D",  # type: ignore[arg-type]
                access_details=roles("62e90394-69f5-4237-9190-012177145e10"),
                auto_extend_duration="P180D",  # type: ignore[arg-type]
            )
        )
    assert refused.value.response_status_code == 400
    assert refused.value.error is not None
    assert refused.value.error.code == "BadRequest"
    assert "cannot be auto-extended" in (refused.value.error.message or "")
    assert refused.value.additional_data == {"rule": "GDP-3"}


async def test_graph_sdk_timedelta_is_refused_as_graph_refuses_it(
    graph_client: tuple[World, Party, GraphServiceClient],
) -> None:
    """msgraph-sdk serializes a `timedelta` with `str()` ("730 days, 0:00:00", msgraph-sdk-python#1262), which
    Graph refuses: an Edm.Duration is ISO 8601. cspsim refuses it too, saying what to send instead, so a client
    that passes against cspsim does not fail against Graph."""
    _, _, graph = graph_client
    with pytest.raises(ODataError) as refused:
        await graph.tenant_relationships.delegated_admin_relationships.post(
            DelegatedAdminRelationship(
                display_name="timedelta", duration=timedelta(days=730), access_details=roles(GLOBAL_READER)
            )
        )
    assert refused.value.response_status_code == 400
    assert refused.value.error is not None
    assert "730 days, 0:00:00" in (refused.value.error.message or "")
    assert "P730D" in (refused.value.error.message or "")
