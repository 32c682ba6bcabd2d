"""Partner Center: a customer's account (delete in the sandbox, billing and company profiles, qualifications,
service requests), domain availability, address validation and each country's validation rules."""

import uuid
from typing import Annotated, Any

from fastapi import Depends, Header, Path, Query, Request, Response, status

from app.customers import addresses, profiles
from app.customers.account_schemas import (
    AddressIn,
    AddressOut,
    AddressValidationOut,
    CountryValidationRulesOut,
    CustomerBillingProfileUpdate,
    CustomerQualificationIn,
    CustomerQualificationOut,
)
from app.customers.schemas import (
    CustomerBillingProfileOut,
    CustomerCompanyProfileOut,
    billing_profile_out,
    company_profile_out,
)
from app.kernel.errors import NotFound
from app.kernel.pagination import Collection, PageRequest, collection, page_request
from app.kernel.pipeline import PARTNER_CENTER_API, PartnerCaller
from app.models import CustomerQualification
from app.programs import support
from app.programs.schemas import ServiceRequestOut, service_request_out

router = PARTNER_CENTER_API.router(tags=["partner center: customer accounts"])
Pages = Annotated[PageRequest, Depends(page_request)]


@router.delete(
    "/customers/{customer_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    summary="Delete a customer from the integration sandbox",
)
async def delete_customer(ctx: PartnerCaller, customer_id: uuid.UUID) -> Response:
    """As in Partner Center's integration sandbox: only once every subscription you sold the customer is cancelled
    or suspended (409 naming them otherwise); the customer then leaves your account (404 on every route)."""
    await profiles.delete_customer(ctx, customer_id=customer_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


def _billing_out(customer_id: uuid.UUID, profile: profiles.BillingProfile) -> Response:
    out = billing_profile_out(
        customer_id, profile.relationship.id, profile.document, profile.etag, country=profile.country
    )
    return Response(
        out.model_dump_json(by_alias=True), media_type="application/json", headers={"ETag": f'"{profile.etag}"'}
    )


@router.get(
    "/customers/{customer_id}/profiles/billing",
    response_model=CustomerBillingProfileOut,
    summary="Read a customer's billing profile",
)
async def read_billing_profile(ctx: PartnerCaller, request: Request, customer_id: uuid.UUID) -> Any:
    """Your bill-to for the customer, with its `attributes.etag` (also the `ETag` header) to send back in If-Match."""
    return _billing_out(customer_id, await profiles.billing_profile(ctx, customer_id))


@router.put(
    "/customers/{customer_id}/profiles/billing",
    response_model=CustomerBillingProfileOut,
    summary="Update a customer's billing profile",
)
async def update_billing_profile(
    ctx: PartnerCaller,
    request: Request,
    customer_id: uuid.UUID,
    body: CustomerBillingProfileUpdate,
    if_match: Annotated[str | None, Header(alias="If-Match", max_length=200)] = None,
) -> Any:
    """The profile as read, changed. Its etag (If-Match, or `attributes.etag`) must be current: 412 otherwise."""
    document = body.model_dump(
        by_alias=True, mode="json", include={"first_name", "last_name", "email", "culture", "language", "company_name"}
    ) | {"defaultAddress": body.default_address.model_dump(by_alias=True, mode="json")}
    document = {key: value for key, value in document.items() if value is not None}
    etag = if_match or (body.attributes.etag if body.attributes else None)
    updated = await profiles.update_billing_profile(ctx, customer_id=customer_id, document=document, if_match=etag)
    return _billing_out(customer_id, updated)


@router.get(
    "/customers/{customer_id}/profiles/company",
    response_model=CustomerCompanyProfileOut,
    summary="Read a customer's company profile",
)
async def read_company_profile(ctx: PartnerCaller, customer_id: uuid.UUID) -> Any:
    tenant, billing = await profiles.company_profile(ctx, customer_id)
    return company_profile_out(tenant, billing.document)


def _qualification_out(row: CustomerQualification) -> CustomerQualificationOut:
    return CustomerQualificationOut(
        qualification=row.qualification, vetting_status=row.vetting_status, vetting_created_date=row.created_at
    )


@router.get(
    "/customers/{customer_id}/qualifications",
    response_model=list[CustomerQualificationOut],
    summary="Read a customer's qualifications",
)
async def read_qualifications(ctx: PartnerCaller, customer_id: uuid.UUID) -> Any:
    """A plain array, as Partner Center answers it (empty when the customer has none)."""
    return [_qualification_out(q) for q in await profiles.qualifications(ctx, customer_id)]


@router.post(
    "/customers/{customer_id}/qualifications",
    status_code=status.HTTP_201_CREATED,
    response_model=CustomerQualificationOut,
    summary="Add a qualification to a customer",
)
async def add_qualification(
    ctx: PartnerCaller,
    customer_id: uuid.UUID,
    body: CustomerQualificationIn,
    code: Annotated[
        str | None, Query(max_length=100, description="GovernmentCommunityCloud's validation code.")
    ] = None,
) -> Any:
    """Education, GovernmentCommunityCloud (with `?code=`) or StateOwnedEntity; one of each per customer (409)."""
    return _qualification_out(
        await profiles.add_qualification(
            ctx, customer_id=customer_id, qualification=body.qualification, validation_code=code
        )
    )


@router.get(
    "/customers/{customer_id}/servicerequests",
    response_model=Collection[ServiceRequestOut],
    summary="A customer's service requests",
)
async def customer_service_requests(ctx: PartnerCaller, request: Request, customer_id: uuid.UUID, page: Pages) -> Any:
    """The service requests you opened about this customer (`customerId` in POST /v1/servicerequests)."""
    found = await support.list_customer_service_requests(ctx, page, customer_id=customer_id)
    by = await support.requester(ctx)
    return collection(request, found, [service_request_out(r, by) for r in found.items])


@router.head(
    "/domains/{domain}",
    status_code=status.HTTP_200_OK,
    response_class=Response,
    summary="Whether a domain is taken",
    responses={404: {"description": "The domain is free."}},
)
async def check_domain(ctx: PartnerCaller, domain: Annotated[str, Path(min_length=1, max_length=253)]) -> Response:
    """200 when a tenant of the sandbox holds the domain (`contoso` or `contoso.onmicrosoft.com`); 404 when it is
    free to give a new customer."""
    if not await profiles.domain_exists(ctx, domain):
        raise NotFound("The domain", profiles.initial_domain(domain))
    return Response(status_code=status.HTTP_200_OK)


def _address_out(address: addresses.Address) -> AddressOut:
    return AddressOut.model_validate(address)


@router.post("/validations/address", response_model=AddressValidationOut, summary="Validate an address")
async def validate_address(ctx: PartnerCaller, body: AddressIn) -> Any:
    """`VerifiedShippable`, or `StreetPartial` with the corrected address in `suggestedAddresses`, or `None` naming
    the fields at fault in `validationMessage` (always a 200: the verdict is the answer)."""
    verdict = addresses.validate_address(
        addresses.Address(
            address_line1=body.address_line1,
            address_line2=body.address_line2,
            address_line3=body.address_line3,
            city=body.city,
            state=body.state or body.region,
            postal_code=body.postal_code,
            country=body.country,
        )
    )
    return AddressValidationOut(
        original_address=_address_out(verdict.original),
        suggested_addresses=[_address_out(a) for a in verdict.suggested],
        status=verdict.status,
        validation_message=verdict.message,
    )


@router.get(
    "/countryvalidationrules/{country}",
    response_model=CountryValidationRulesOut,
    summary="A country's address and tax id rules",
)
async def country_validation_rules(ctx: PartnerCaller, country: Annotated[str, Path(pattern=r"^[A-Za-z]{2}$")]) -> Any:
    return CountryValidationRulesOut.model_validate(addresses.country_rules(country).as_wire())
