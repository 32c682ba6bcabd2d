"""Commerce lifecycles as data, and the new-commerce numbers.

Subscription:  active <──> suspended
                 └──> deleted (cancelled)   └──> deleted
                 └──> expired (term ended without auto-renew)
Order request: Pending ──> Fulfilled | Rejected
Order:         pending ──> completed (provisioned) | cancelled (by the partner, while pending)
Cart:          Active ──> Ordered (checked out) | Expired (7 days after its creation)
"""

from datetime import timedelta

from app.kernel.lifecycle import Lifecycle
from app.models import CartStatus, OrderRequestStatus, OrderStatus, SubscriptionStatus
from app.wire import WireEnum

S = SubscriptionStatus

SUBSCRIPTION = Lifecycle[SubscriptionStatus](
    "subscription",
    {
        S.ACTIVE: frozenset({S.SUSPENDED, S.DELETED, S.EXPIRED}),
        S.SUSPENDED: frozenset({S.ACTIVE, S.DELETED}),
    },
)


class SubscriptionStatusChange(WireEnum):
    """The statuses a partner sets on a subscription (Partner Center's values): reactivate, suspend, cancel.
    Expiry is the term's end, never a partner's call."""

    ACTIVE = S.ACTIVE.value
    SUSPENDED = S.SUSPENDED.value
    DELETED = S.DELETED.value

    @property
    def status(self) -> SubscriptionStatus:
        return SubscriptionStatus(self.value)


ORDER_REQUEST = Lifecycle[OrderRequestStatus](
    "order request",
    {
        OrderRequestStatus.PENDING: frozenset({OrderRequestStatus.FULFILLED, OrderRequestStatus.REJECTED}),
    },
)

ORDER = Lifecycle[OrderStatus](
    "order",
    {OrderStatus.PENDING: frozenset({OrderStatus.COMPLETED, OrderStatus.CANCELLED})},
)

CART = Lifecycle[CartStatus](
    "cart",
    {CartStatus.ACTIVE: frozenset({CartStatus.ORDERED, CartStatus.EXPIRED})},
)
# A cart is checked out within 7 days of its creation, on the sandbox clock.
CART_LIFETIME = timedelta(days=7)

# COM-8: seats may be reduced, and a subscription cancelled, only within 168 hours (7 days) of its purchase,
# its renewal, or the addition of the seats concerned.
REFUND_WINDOW = timedelta(hours=168)
