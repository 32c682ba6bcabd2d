"""The lifecycles of the marketplace, as data.

Account:         Requested ──> Active        (registered by the distributor: Active at once)
                     └──────> Rejected
Program access:  Requested ──> Approved | Rejected   (operations, or the distributor's policy after N business days)
Click-through:   Pending ──> Accepted        (the customer's admin on the storefront page)
"""

from app.kernel.lifecycle import Lifecycle
from app.models import AccountStatus, ClickThroughStatus, ProgramAccessStatus

ACCOUNT = Lifecycle[AccountStatus](
    "marketplace account",
    {AccountStatus.REQUESTED: frozenset({AccountStatus.ACTIVE, AccountStatus.REJECTED})},
)

PROGRAM_ACCESS = Lifecycle[ProgramAccessStatus](
    "program access request",
    {ProgramAccessStatus.REQUESTED: frozenset({ProgramAccessStatus.APPROVED, ProgramAccessStatus.REJECTED})},
)

CLICK_THROUGH = Lifecycle[ClickThroughStatus](
    "MCA click-through",
    {ClickThroughStatus.PENDING: frozenset({ClickThroughStatus.ACCEPTED})},
)
