from app.kernel.lifecycle import Lifecycle
from app.models import TransferStatus

T = TransferStatus

TRANSFER = Lifecycle[TransferStatus](
    "transfer",
    {
        T.ACTIVE: frozenset({T.COMPLETE, T.EXPIRED, T.CANCELED, T.FAILED}),
    },
)

# TRF-1: what moves between transacting partners: new-commerce license-based subscriptions and Azure plans.
TRANSFERABLE_PRODUCT_TYPES = frozenset({"OnlineServices", "Azure"})
