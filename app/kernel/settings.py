"""The settings of a sandbox: every figure RULES.md marks *setting*, with its default."""

from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import Field, field_validator

from app.wire import Request


class CounterpartyPolicy(Request):
    """What the other side of a flow does when nobody acts for it: `manual` waits for a test or a page; `accept` or
    `reject` happens by itself, through the same service call as a person's, after some business days."""

    action: Literal["manual", "accept", "reject"] = "manual"
    after_business_days: int = Field(0, ge=0, le=60)


class OperatorDecision(Request):
    """What Microsoft (the sandbox's operator) decides on a submitted enrollment, when the approval delay
    (`enrollmentApprovalBusinessDays`, PRG-5) is over: `accept` (the default), `reject`, or `manual`, which leaves it
    Pending until `POST /sim/v1/sandboxes/{id}/enrollments/{eid}/decision`."""

    action: Literal["manual", "accept", "reject"] = "accept"


class CounterpartyPolicies(Request):
    customer_invitation: CounterpartyPolicy = Field(
        default_factory=CounterpartyPolicy, description="A customer's Global admin and a link sent to it."
    )
    transfer_submission: CounterpartyPolicy = Field(
        default_factory=CounterpartyPolicy, description="The source partner and a transfer request."
    )
    enrollment_decision: OperatorDecision = Field(
        default_factory=OperatorDecision, description="Microsoft and a submitted enrollment (PRG-5)."
    )
    gdap_approval: CounterpartyPolicy = Field(
        default_factory=CounterpartyPolicy,
        description="A customer's Global admin and a GDAP relationship locked for its approval (`accept` only).",
    )

    @field_validator("gdap_approval")
    @classmethod
    def _customers_cannot_reject_gdap(cls, policy: CounterpartyPolicy) -> CounterpartyPolicy:
        if policy.action == "reject":
            raise ValueError(
                "a customer cannot reject a GDAP request, only leave it unapproved until it expires "
                "(gdapApprovalExpiryDays): use manual or accept"
            )
        return policy


class RealisticThrottling(Request):
    """Partner Center's own throttling of the APIs it documents as throttled (off unless turned on)."""

    enabled: bool = False
    requests_per_minute: int = Field(
        500, ge=1, le=100_000, description="Calls per minute and key (partner, or partner and customer)."
    )


class SmartLockout(Request):
    """Entra ID's smart lockout: a user's sign-ins are refused for a while after too many wrong passwords."""

    threshold: int = Field(10, ge=1, le=1000, description="Wrong passwords in a row that lock the account.")
    duration_seconds: int = Field(60, ge=1, le=86400, description="How long a locked account stays locked.")


# Where a partner's webhook may point: `any` host (the default: tests and compose files listen on loopback or a
# private network), only `loopback`, or only `public` names and addresses. Link-local (cloud metadata) never.
WebhookTargets = Literal["any", "loopback", "public"]


class SandboxSettings(Request):
    revenue_threshold_usd: Annotated[
        Decimal,
        # Finite and of a size a ledger holds: 1e400 or Infinity would be accepted otherwise and break comparisons.
        Field(
            ge=0,
            le=Decimal("1000000000000"),
            max_digits=15,
            decimal_places=2,
            allow_inf_nan=False,
            description="PRG-1: trailing-12-month CSP revenue needed for direct bill (USD, up to 10^12, cents).",
        ),
    ] = Decimal("1000000")
    revenue_review_interval_days: Annotated[
        int, Field(ge=1, le=366, description="PRG-2: days between revenue reviews.")
    ] = 30
    enrollment_approval_business_days: Annotated[int, Field(ge=0, le=30, description="PRG-5: 0 approves at once.")] = 0
    service_request_resolution_business_days: Annotated[
        int | None,
        Field(
            ge=0,
            le=30,
            description="PRG-3: support resolves after this many business days; null waits for the control surface.",
        ),
    ] = 2
    incentive_invitation_days: Annotated[
        int,
        Field(
            ge=0,
            le=365,
            description="PRG-11: days after an indirect enrollment within which the incentives invitation is sent.",
        ),
    ] = 30
    transfer_expiry_days: Annotated[
        int, Field(ge=1, le=365, description="TRF-5: days before an untouched transfer request expires.")
    ] = 30
    gdap_approval_expiry_days: Annotated[
        int, Field(ge=1, le=365, description="GDP-1: days before an unapproved GDAP request expires.")
    ] = 90
    gdap_activation_seconds: Annotated[
        int,
        Field(
            ge=0,
            le=86400,
            description="GDP-2: seconds from a customer's approval until the GDAP relationship is active; 0 at once.",
        ),
    ] = 0
    order_provisioning_seconds: Annotated[
        int,
        Field(
            ge=0,
            le=86400,
            description="Seconds from an order (or a cart's checkout) until it is provisioned: until then the order "
            "is pending, its line items have no subscription and it can be cancelled (PATCH status cancelled); 0 "
            "provisions at once.",
        ),
    ] = 0
    timers_per_advance: Annotated[
        int,
        Field(
            ge=1,
            le=5000,
            description="Timers one clock advance (or freeze, or background pass) fires at most: past them it stops "
            "after the instant of the last one fired and answers `complete: false` with `continueTo`, so the sandbox "
            "is never held for long.",
        ),
    ] = 1000
    invitation_expiry_days: Annotated[
        int, Field(ge=1, le=365, description="REL-1/REL-7: days a customer invitation link stays valid.")
    ] = 90
    token_lifetime_seconds: Annotated[
        int, Field(ge=1, le=86400, description="Access token lifetime, on real time.")
    ] = 3600
    idempotency_retention_hours: Annotated[
        int, Field(ge=0, le=720, description="How long an MS-RequestId answer is replayed, on the sandbox clock.")
    ] = 24
    webhook_targets: Annotated[
        WebhookTargets,
        Field(
            description="Hosts a webhook registration may name: `any` (every http(s) host), `loopback` (this machine "
            "only) or `public` (names and globally routable addresses only). Link-local addresses "
            "(169.254.0.0/16, fe80::/10) never; names are not resolved at registration."
        ),
    ] = "any"
    counterparty_policies: CounterpartyPolicies = Field(default_factory=CounterpartyPolicies)
    realistic_throttling: RealisticThrottling = Field(default_factory=RealisticThrottling)
    smart_lockout: SmartLockout = Field(default_factory=SmartLockout)
    billing_period_start_day: Annotated[
        dict[str, int], Field(description="BIL-2: the day of the month a billing period starts, per country.")
    ] = Field(default_factory=lambda: {"US": 1, "CA": 20})

    tax_rates: Annotated[
        dict[str, Annotated[Decimal, Field(ge=0, le=1, max_digits=7, decimal_places=6, allow_inf_nan=False)]],
        Field(description="The tax rate billing adds to each invoice line, per customer country (0.1 is 10 %)."),
    ] = Field(default_factory=dict)

    @field_validator("tax_rates")
    @classmethod
    def _countries(cls, value: dict[str, Decimal]) -> dict[str, Decimal]:
        for country in value:
            if len(country) != 2 or not country.isalpha():
                raise ValueError(f"'{country}' is not a two-letter country code")
        return {country.upper(): rate for country, rate in value.items()}

    @field_validator("billing_period_start_day")
    @classmethod
    def _days(cls, value: dict[str, int]) -> dict[str, int]:
        for country, day in value.items():
            if len(country) != 2 or not country.isalpha():
                raise ValueError(f"'{country}' is not a two-letter country code")
            if not 1 <= day <= 28:
                raise ValueError(f"the start day for {country} must be between 1 and 28")
        return {country.upper(): day for country, day in value.items()}

    def merged(self, patch: dict[str, Any]) -> "SandboxSettings":
        """These settings with `patch` (camelCase names) applied; per-country maps merge by country."""
        current = self.model_dump(by_alias=True, mode="json")
        for key, value in patch.items():
            if isinstance(value, dict) and isinstance(current.get(key), dict):
                current[key] = {**current[key], **value}
            else:
                current[key] = value
        return SandboxSettings.model_validate(current)

    def stored(self) -> dict[str, Any]:
        return self.model_dump(by_alias=True, mode="json")
