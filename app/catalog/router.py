"""Partner Center's catalog: products, SKUs and availabilities (new commerce)."""

from typing import Annotated, Any

from fastapi import Header, Query, Request, Response, status

from app.catalog import service, upgrades
from app.catalog.offers import LegacyOffer, Offer, OfferCategory, ProductType, Promotion, Segment
from app.catalog.schemas import (
    AvailabilityOut,
    InventoryCheckRequest,
    InventoryItemOut,
    LegacyOfferLinks,
    LegacyOfferOut,
    LegacyOfferPage,
    OfferCategoryOut,
    OfferProduct,
    ProductOut,
    ProductTypeOut,
    ProductUpgradeRequest,
    ProductUpgradesEligibility,
    PromotionOut,
    SkuOut,
)
from app.kernel.errors import NotFound
from app.kernel.pagination import Collection, Link, Page, collection
from app.kernel.pipeline import PARTNER_CENTER_API, PartnerCaller

router = PARTNER_CENTER_API.router(tags=["partner center: catalog"], prefix="/products")
# The catalog's other roots: promotions, inventory, product upgrades and the legacy offers.
v1 = PARTNER_CENTER_API.router(tags=["partner center: catalog"])
Locale = Annotated[str, Header(alias="X-Locale", max_length=10, description="The answer's locale.")]
Country = Annotated[str, Query(min_length=2, max_length=2, description="The customer's country.")]


def _listed(request: Request, items: list[Any]) -> Collection[Any]:
    return collection(request, Page(items=items, total=len(items), next_token=None), items)


# The sub-type Partner Center gives a product type's items where it has one (an Azure reservation is a VM's).
SUB_TYPES = {ProductType.AZURE_RESERVATION: "VirtualMachines"}


def _product(offer: Offer, country: str) -> ProductOut:
    kind = offer.product_type.value
    sub_type = SUB_TYPES.get(offer.product_type)
    base = f"/products/{offer.product_id}"
    return ProductOut(
        id=offer.product_id,
        title=offer.title,
        description=offer.description,
        product_type=ProductTypeOut(
            id=kind,
            display_name=kind,
            sub_type=ProductTypeOut(id=sub_type, display_name=sub_type) if sub_type else None,
        ),
        links={
            "skus": Link(uri=f"{base}/skus?country={country.upper()}"),
            "self": Link(uri=f"{base}?country={country.upper()}"),
        },
    )


def _sku(offer: Offer, country: str) -> SkuOut:
    """What the SKU needs before purchase: a reservation needs an inventory check with its `inventoryVariables`."""
    cycles = sorted({c for t in offer.terms for c in t.billing_cycles})
    reserved = offer.product_type is ProductType.AZURE_RESERVATION
    base = f"/products/{offer.product_id}/skus/{offer.sku_id}"
    return SkuOut(
        id=offer.sku_id,
        product_id=offer.product_id,
        title=offer.title,
        description=offer.description,
        minimum_quantity=offer.minimum_quantity,
        maximum_quantity=offer.maximum_quantity,
        supported_billing_cycles=cycles,
        purchase_prerequisites=["AzureSubscriptionRegistration", "InventoryCheck"] if reserved else [],
        inventory_variables=[v[0].upper() + v[1:] for v in service.INVENTORY_VARIABLES.get(offer.product_type, ())],
        provisioning_variables=["Scope", "SubscriptionId"] if reserved else [],
        dynamic_attributes={"isNewCommerce": offer.new_commerce, "isLicenseBased": offer.license_based}
        | dict(offer.extra),
        links={
            "availabilities": Link(uri=f"{base}/availabilities?country={country.lower()}"),
            "self": Link(uri=f"{base}?country={country.lower()}"),
        },
    )


def _availability(offer: Offer, country: str) -> AvailabilityOut:
    currency, _ = service.currency_of(country)
    terms = []
    for term in offer.terms:
        amount, code = service.price(term, country=country)
        window = [{"refunds": [{"type": "Full", "expiresAfter": "PT168H"}]}] if term.duration else []
        terms.append(
            {
                "duration": term.duration,
                "description": term.duration or "one-time",
                "billing_cycles": list(term.billing_cycles),
                "price": {
                    "list_price": str(amount),
                    "currency_code": code,
                    "unit": "per unit per month" if offer.license_based else "per unit",
                },
                "cancellation_policies": window,
            }
        )
    return AvailabilityOut(
        id=offer.availability_id,
        product_id=offer.product_id,
        sku_id=offer.sku_id,
        catalog_item_id=offer.catalog_item_id,
        country=country.upper(),
        is_purchasable=offer.new_commerce,
        is_renewable=offer.new_commerce,
        default_currency={"code": currency, "symbol": currency},
        terms=terms,
        product=_product(offer, country),
        sku=_sku(offer, country),
        links={
            "self": Link(
                uri=f"/products/{offer.product_id}/skus/{offer.sku_id}/availabilities/{offer.availability_id}"
                f"?country={country.upper()}"
            )
        },
    )


@router.get("", response_model=Collection[ProductOut], summary="List products")
async def list_products(
    ctx: PartnerCaller,
    request: Request,
    country: Country,
    target_view: Annotated[str | None, Query(alias="targetView")] = None,
) -> Any:
    """What partners can sell in a country: license-based, Azure plan, reservations, software. Direct EA and
    pay-as-you-go Azure are not among them (COM-4)."""
    return _listed(request, [_product(o, country) for o in service.products(country=country, target_view=target_view)])


@router.get("/{product_id}", response_model=ProductOut, summary="Read a product")
async def read_product(ctx: PartnerCaller, product_id: str, country: Country) -> Any:
    return _product(service.product(product_id, country=country)[0], country)


@router.get("/{product_id}/skus", response_model=Collection[SkuOut], summary="List a product's SKUs")
async def list_skus(ctx: PartnerCaller, request: Request, product_id: str, country: Country) -> Any:
    return _listed(request, [_sku(o, country) for o in service.product(product_id, country=country)])


@router.get(
    "/{product_id}/skus/{sku_id}/availabilities",
    response_model=Collection[AvailabilityOut],
    summary="List a SKU's availabilities (catalogItemId, terms, prices)",
)
async def list_availabilities(
    ctx: PartnerCaller, request: Request, product_id: str, sku_id: str, country: Country
) -> Any:
    offers = [o for o in service.product(product_id, country=country) if o.sku_id.lower() == sku_id.lower()]
    if not offers:
        raise NotFound("SKU", f"{product_id}/{sku_id}")
    return _listed(request, [_availability(o, country) for o in offers])


@router.get("/{product_id}/skus/{sku_id}", response_model=SkuOut, summary="Read a SKU")
async def read_sku(ctx: PartnerCaller, product_id: str, sku_id: str, country: Country) -> Any:
    """What the SKU needs before purchase: a reservation needs an inventory check with its `inventoryVariables`."""
    return _sku(service.sku(product_id, sku_id, country=country), country)


# --- promotions ---------------------------------------------------------------------------------------------------


def _promotion(promotion: Promotion) -> PromotionOut:
    return PromotionOut(
        id=promotion.id,
        name=promotion.name,
        description=promotion.description,
        segment=promotion.segment.value,
        start_date=promotion.start,
        end_date=promotion.end,
        # The listed example carries the window and a tag in `properties`, the one read by id at the top: both.
        properties={
            "isAutoApplicable": promotion.auto_applicable,
            "startDate": promotion.start.isoformat(),
            "endDate": promotion.end.isoformat(),
            "tag": f"{promotion.product_id}:{promotion.sku_id}",
        },
        required_products=[
            {
                "product_id": promotion.product_id,
                "sku_id": promotion.sku_id,
                "term": {"duration": promotion.duration, "billing_cycle": promotion.billing_cycle},
                "pricing_policies": [
                    {"policy_type": "PercentDiscount", "type": "PercentDiscount", "value": str(promotion.percent_off)}
                ],
            }
        ],
    )


@v1.get("/productpromotions", response_model=Collection[PromotionOut], summary="List the running promotions")
async def list_promotions(
    ctx: PartnerCaller,
    request: Request,
    country: Country,
    segment: Annotated[Segment, Query(description="The customer segment: commercial.")],
) -> Any:
    """The new-commerce promotions running now (by the sandbox clock) for the country and segment."""
    return _listed(request, [_promotion(p) for p in service.promotions(country=country, segment=segment, now=ctx.now)])


@v1.get("/productpromotions/{promotion_id}", response_model=PromotionOut, summary="Read a promotion")
async def read_promotion(ctx: PartnerCaller, promotion_id: str, country: Country) -> Any:
    return _promotion(service.promotion(promotion_id, country=country))


# --- inventory ----------------------------------------------------------------------------------------------------


@v1.post(
    "/extensions/product/checkInventory",
    response_model=list[InventoryItemOut],
    summary="Check the inventory of catalog items",
)
async def check_inventory(ctx: PartnerCaller, country: Country, body: InventoryCheckRequest) -> Any:
    """A bare JSON array of the items with their restrictions (a reservation outside its region is restricted);
    items not in the catalog are left out. 400 with code 400026 when the context lacks what a SKU needs."""
    items = [(i.product_id, i.sku_id) for i in body.target_items]
    results = service.check_inventory(country=country, items=items, context=body.inventory_context)
    return [
        InventoryItemOut(
            product_id=r.offer.product_id,
            sku_id=r.offer.sku_id,
            is_restricted=bool(r.restrictions),
            restrictions=r.restrictions,
        )
        for r in results
    ]


# --- product upgrades (to the Azure plan) --------------------------------------------------------------------------


@v1.post("/productupgrades", status_code=status.HTTP_202_ACCEPTED, summary="Upgrade a customer to the Azure plan")
async def create_product_upgrade(ctx: PartnerCaller, body: ProductUpgradeRequest) -> Response:
    """202, no body, and Partner Center's `Location: productUpgrades/{upgradeId}`; a customer that is not eligible
    (`POST /v1/productupgrades/eligibility` says why) is refused with 400."""
    upgrade_id = await upgrades.upgrade_to_azure_plan(
        ctx, customer_id=body.customer_id, product_family=body.product_family
    )
    return Response(status_code=status.HTTP_202_ACCEPTED, headers={"Location": f"productUpgrades/{upgrade_id}"})


@v1.post(
    "/productupgrades/eligibility",
    response_model=ProductUpgradesEligibility,
    summary="Is a customer eligible for the Azure plan upgrade",
)
async def product_upgrade_eligibility(ctx: PartnerCaller, body: ProductUpgradeRequest) -> Any:
    found = await upgrades.upgrade_eligibility(ctx, customer_id=body.customer_id, product_family=body.product_family)
    return ProductUpgradesEligibility(
        customer_id=found.customer_id,
        product_family=found.product_family,
        is_eligible=found.is_eligible,
        reason=found.reason,
    )


# --- the legacy offer catalog -------------------------------------------------------------------------------------


def _category(category: OfferCategory, country: str, locale: str) -> OfferCategoryOut:
    return OfferCategoryOut(
        id=category.id, name=category.name, rank=category.rank, locale=locale.lower(), country=country.upper()
    )


def _legacy_offer(offer: LegacyOffer, country: str, locale: str) -> LegacyOfferOut:
    return LegacyOfferOut(
        id=offer.id,
        name=offer.name,
        description=offer.description,
        minimum_quantity=offer.minimum_quantity,
        maximum_quantity=offer.maximum_quantity,
        rank=offer.rank,
        uri=f"/offers/{offer.id}",
        locale=locale.lower(),
        country=country.upper(),
        category=_category(service.offer_category(offer.category_id), country, locale),
        prerequisite_offers=[],
        is_add_on=False,
        is_available_for_purchase=False,
        billing="license",
        is_auto_renewable=True,
        is_trial=False,
        product=OfferProduct(id=offer.product_id, name=offer.name, unit="Licenses"),
        unit_type="Licenses",
        successor_product_id=offer.successor,
        links={
            "learnMore": Link(
                uri="https://www.microsoft.com/microsoft-365/business/compare-all-microsoft-365-business-products"
            ),
            "self": Link(uri=f"/offers/{offer.id}?country={country.upper()}"),
        },
    )


@v1.get("/offercategories", response_model=Collection[OfferCategoryOut], summary="List offer categories (legacy)")
async def list_offer_categories(
    ctx: PartnerCaller, request: Request, country: Country, locale: Locale = "en-US"
) -> Any:
    return _listed(request, [_category(c, country, locale) for c in service.offer_categories(country=country)])


@v1.get("/offers", response_model=LegacyOfferPage, summary="List the offers of a market (legacy)")
async def list_legacy_offers(
    ctx: PartnerCaller,
    request: Request,
    country: Country,
    offset: Annotated[int, Query(ge=0, le=10_000)] = 0,
    size: Annotated[int, Query(ge=1, le=500)] = 100,
    locale: Locale = "en-US",
) -> Any:
    """Read-only: the catalog older clients read, paged by `offset` and `size` (reference data, so an offset is
    cheap). Purchases go through new commerce (`/v1/products`)."""
    offers = service.legacy_offers(country=country)
    window = offers[offset : offset + size]
    items = [_legacy_offer(o, country, locale) for o in window]
    base = f"{request.url.path}?country={country}"
    following = offset + size < len(offers)
    return LegacyOfferPage(
        total_count=len(offers),
        items=items,
        links=LegacyOfferLinks(
            self=Link(uri=f"{base}&offset={offset}&size={size}"),
            next=Link(uri=f"{base}&offset={offset + size}&size={size}") if following else None,
            previous=Link(uri=f"{base}&offset={max(offset - size, 0)}&size={size}") if offset else None,
        ),
    )


@v1.get("/offers/{offer_id}", response_model=LegacyOfferOut, summary="Read an offer (legacy)")
async def read_legacy_offer(ctx: PartnerCaller, offer_id: str, country: Country, locale: Locale = "en-US") -> Any:
    return _legacy_offer(service.legacy_offer(offer_id, country=country), country, locale)
