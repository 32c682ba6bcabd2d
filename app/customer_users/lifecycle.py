"""A customer user's state, as data: deleted (`inactive`) for 30 days, during which it can be restored."""

from app.kernel.lifecycle import Lifecycle
from app.models import CustomerUserState

S = CustomerUserState

CUSTOMER_USER = Lifecycle[CustomerUserState](
    "customer user",
    {
        S.ACTIVE: frozenset({S.INACTIVE}),
        S.INACTIVE: frozenset({S.ACTIVE}),
    },
)
