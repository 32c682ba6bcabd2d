"""Where a subscription may go from its offer: upgrades now (a transition) and other offers at renewal (a scheduled
next-term change). Catalog knowledge only, no database: what `transitions` lists and `subscriptions` applies.

COM-8's commitment shapes both: mid-term a subscription moves only up the catalog and never to a shorter term (the
commitment made is kept); anything else, a downgrade, a shorter term, another billing cycle, waits for the renewal.
"""

from dataclasses import dataclass

from app.catalog.offers import OFFERS, Offer, ProductType

TERM_MONTHS = {"P1M": 1, "P1Y": 12, "P3Y": 36}

# Codes from Partner Center's REST error list (learn.microsoft.com/partner-center/developer/error-codes), as
# eligibility errors and refusals carry them: not an active subscription, not eligible for this transaction, a
# target term shorter than the source's, an operation not supported for legacy subscriptions, updates currently not
# allowed (a scheduled change needs auto-renew).
NOT_ACTIVE = 800012
NOT_AN_UPGRADE = 800024
SHORTER_TERM = 900267
LEGACY_SOURCE = 900263
NO_AUTO_RENEW = 900280


@dataclass(frozen=True)
class Target:
    """One offer, term and billing cycle a subscription may move to, with why not when it may not."""

    offer: Offer
    term_duration: str
    billing_cycle: str
    errors: tuple[tuple[int, str, str], ...] = ()

    @property
    def is_eligible(self) -> bool:
        return not self.errors


def offer_of(catalog_item_id: str) -> Offer | None:
    wanted = catalog_item_id.lower()
    return next((o for o in OFFERS if wanted in {o.catalog_item_id.lower(), o.product_id.lower()}), None)


def _seat_offers() -> list[Offer]:
    return [
        o
        for o in OFFERS
        if o.license_based and o.new_commerce and not o.is_addon and o.product_type is ProductType.ONLINE_SERVICES
    ]


def upgrade_targets(*, catalog_item_id: str, term_duration: str | None, billing_cycle: str | None) -> list[Target]:
    """The upgrades of an offer now, in every term the target sells: eligible when the term is at least the
    source's (COM-8), with the source's billing cycle where the term has it."""
    source = offer_of(catalog_item_id)
    if source is None:
        return []
    months = TERM_MONTHS.get(term_duration or "", 0)
    targets: list[Target] = []
    for offer in OFFERS:
        if offer.product_id not in source.upgrades_to:
            continue
        for term in offer.terms:
            cycle = billing_cycle if billing_cycle in term.billing_cycles else term.billing_cycles[0]
            errors: tuple[tuple[int, str, str], ...] = ()
            if TERM_MONTHS.get(term.duration, 0) < months:
                errors = (
                    (
                        SHORTER_TERM,
                        "ShorterTerm",
                        f"A mid-term upgrade keeps the {term_duration} commitment (COM-8): choose a term of "
                        f"{term_duration} or longer, or schedule the change for the renewal.",
                    ),
                )
            targets.append(Target(offer, term.duration, cycle, errors))
    return targets


def scheduled_targets(*, catalog_item_id: str, term_duration: str | None, billing_cycle: str | None) -> list[Target]:
    """What a subscription may renew as: any seat offer of the catalog in any of its terms and billing cycles
    (a downgrade too), except exactly what it is today."""
    current = (catalog_item_id.lower(), term_duration, (billing_cycle or "").lower())
    return [
        Target(offer, term.duration, cycle)
        for offer in _seat_offers()
        for term in offer.terms
        for cycle in term.billing_cycles
        if (offer.catalog_item_id.lower(), term.duration, cycle) != current
    ]


def find(targets: list[Target], *, catalog_item_id: str, term_duration: str | None) -> Target | None:
    """The target a partner names: by catalogItemId (or product id), in its term when it names one."""
    wanted = catalog_item_id.lower()
    return next(
        (
            t
            for t in sorted(targets, key=lambda t: not t.is_eligible)
            if wanted in {t.offer.catalog_item_id.lower(), t.offer.product_id.lower()}
            and (term_duration is None or t.term_duration == term_duration)
        ),
        None,
    )
