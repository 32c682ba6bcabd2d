"""Who may act: the directory roles of partner and customer users, spelled once, and the one check of them.

Roles are stored on the user as their wire values (`GlobalAdmin`, ...); code names them only through these enums.
"""

from app.kernel.context import ActorKind, SandboxContext
from app.kernel.errors import Forbidden, RuleViolation
from app.models import TenantKind
from app.wire import WireEnum


class PartnerRole(WireEnum):
    GLOBAL_ADMIN = "GlobalAdmin"
    ADMIN_AGENT = "AdminAgent"
    SALES_AGENT = "SalesAgent"
    HELPDESK_AGENT = "HelpdeskAgent"
    BILLING_ADMIN = "BillingAdmin"


class CustomerRole(WireEnum):
    GLOBAL_ADMIN = "GlobalAdmin"
    BILLING_ADMIN = "BillingAdmin"
    USER = "User"


ROLES: dict[TenantKind, frozenset[str]] = {
    TenantKind.PARTNER: frozenset(PartnerRole),
    TenantKind.CUSTOMER: frozenset(CustomerRole),
}


def require_role(
    ctx: SandboxContext,
    *roles: PartnerRole | CustomerRole,
    action: str,
    rule: str | None = None,
    apps: bool = False,
) -> None:
    """The actor holds one of `roles`; an app alone passes only where `apps` says it acts for the partner."""
    if ctx.actor.kind is ActorKind.APP and ctx.actor.user_id is None and apps:
        return
    if ctx.actor.roles & {r.value for r in roles}:
        return
    names = " or ".join(r.value for r in roles)
    message = f"Only a {names} may {action}; sign in as one."
    if rule:
        raise RuleViolation(rule, message)
    raise Forbidden(message)
