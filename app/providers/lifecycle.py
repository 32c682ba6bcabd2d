"""The lifecycle of the providers domain, as data.

Partnership:  Invited ──> Active   (the reseller's Global admin accepts the provider's invitation, PRV-2)
"""

from app.kernel.lifecycle import Lifecycle
from app.models import PartnershipStatus

PARTNERSHIP = Lifecycle[PartnershipStatus](
    "partnership",
    {
        PartnershipStatus.INVITED: frozenset({PartnershipStatus.ACTIVE}),
    },
)
