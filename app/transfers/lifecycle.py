from app.kernel.lifecycle import Lifecycle
from app.models import TransferStatus
from app.wire import WireEnum

T = TransferStatus

TRANSFER = Lifecycle[TransferStatus](
    "transfer",
    {
        T.ACTIVE: frozenset({T.COMPLETE, T.EXPIRED, T.CANCELED, T.FAILED}),
    },
)

# TRF-1: what moves between transacting partners: new-commerce license-based subscriptions and Azure plans.
TRANSFERABLE_PRODUCT_TYPES = frozenset({"OnlineServices", "Azure"})


class TransferStatusChange(WireEnum):
    """The one status a partner sets on a transfer, its cancellation (by the target); Partner Center reads `Cancel`,
    and the past tenses have always been read too."""

    CANCEL = "Cancel"
    CANCELED = "Canceled"
    CANCELLED = "Cancelled"
