"""Who may act: the partner roles an action needs, checked the same way everywhere."""

from app.errors import Forbidden, RuleViolation
from app.sandboxes.context import ActorKind, SandboxContext

GLOBAL_ADMIN = "GlobalAdmin"
ADMIN_AGENT = "AdminAgent"
SALES_AGENT = "SalesAgent"


def require_role(ctx: SandboxContext, *roles: str, action: str, rule: str | None = None, apps: bool = False) -> None:
    """The actor holds one of `roles`; an app alone passes only where `apps` says it acts for the partner."""
    if ctx.actor.kind is ActorKind.APP and ctx.actor.user_id is None and apps:
        return
    if ctx.actor.roles & set(roles):
        return
    names = " or ".join(roles)
    message = f"Only a {names} may {action}; sign in as one."
    if rule:
        raise RuleViolation(rule, message)
    raise Forbidden(message)
