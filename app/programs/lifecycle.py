"""The lifecycles of the programs domain, as data.

Enrollment:  Pending ──> Approved ──> Active ──> Restricted ──> Active (reinstated)
                ├──> Rejected    │          │
                └────────────────┴──────────┴──> Overridden (PRG-8: direct bill became Active on the tenant)
Agreement:   Pending ──> Accepted
Service request: Open ──> Resolved
"""

from app.kernel.lifecycle import Lifecycle
from app.models import AgreementStatus, EnrollmentStatus, ServiceRequestStatus

E = EnrollmentStatus

ENROLLMENT = Lifecycle[EnrollmentStatus](
    "enrollment",
    {
        E.PENDING: frozenset({E.APPROVED, E.REJECTED, E.OVERRIDDEN}),
        E.APPROVED: frozenset({E.ACTIVE, E.OVERRIDDEN}),
        E.ACTIVE: frozenset({E.RESTRICTED, E.OVERRIDDEN}),
        E.RESTRICTED: frozenset({E.ACTIVE}),
    },
)

AGREEMENT = Lifecycle[AgreementStatus](
    "partner agreement",
    {
        AgreementStatus.PENDING: frozenset({AgreementStatus.ACCEPTED}),
    },
)

SERVICE_REQUEST = Lifecycle[ServiceRequestStatus](
    "service request",
    {
        ServiceRequestStatus.OPEN: frozenset({ServiceRequestStatus.RESOLVED}),
    },
)

# Enrollments that still hold (or are on their way to) their program.
LIVE = frozenset({E.PENDING, E.APPROVED, E.ACTIVE, E.RESTRICTED})

# The indirect reseller stages direct bill overrides (PRG-8): every one on its way to, or holding, the program.
OVERRIDABLE = frozenset({E.PENDING, E.APPROVED, E.ACTIVE})
