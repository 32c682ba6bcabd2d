"""The lifecycle of the customers domain, as data.

Invitation:  Pending ──> Accepted   (the customer's Global admin accepts a personal link, REL-1)
                └──> Declined
A standing link (REL-7) stays Pending: each customer that accepts it is related, and the link serves the next.
Expiry is read from the clock (`invitations.state_of`), never stored as a status.
"""

from app.kernel.lifecycle import Lifecycle
from app.models import InvitationStatus

INVITATION = Lifecycle[InvitationStatus](
    "invitation",
    {
        InvitationStatus.PENDING: frozenset({InvitationStatus.ACCEPTED, InvitationStatus.DECLINED}),
    },
)
