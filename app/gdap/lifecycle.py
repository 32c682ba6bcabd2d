"""The lifecycles of the GDAP domain, as data, in Graph's own status values.

Relationship:
    created ──lockForApproval──> approvalPending ──customer approves──> approved ──> activating ──> active
                                       └──90 days unapproved──> expired
    active ──terminate (either side)──> terminationRequested ──> terminating ──> terminated
    active ──endDateTime, no auto-extension──> expiring ──> expired
Access assignment:  pending ──> active ──> deleting ──> deleted   (pending ──> deleting too)
Operation:          notStarted ──> running ──> succeeded | failed
"""

from app.kernel.lifecycle import Lifecycle
from app.models import AccessAssignmentStatus, GdapRelationshipStatus, OperationStatus

R = GdapRelationshipStatus
A = AccessAssignmentStatus

RELATIONSHIP = Lifecycle[GdapRelationshipStatus](
    "delegated admin relationship",
    {
        R.CREATED: frozenset({R.APPROVAL_PENDING}),
        R.APPROVAL_PENDING: frozenset({R.APPROVED, R.EXPIRED}),
        R.APPROVED: frozenset({R.ACTIVATING}),
        R.ACTIVATING: frozenset({R.ACTIVE}),
        R.ACTIVE: frozenset({R.TERMINATION_REQUESTED, R.EXPIRING}),
        R.TERMINATION_REQUESTED: frozenset({R.TERMINATING}),
        R.TERMINATING: frozenset({R.TERMINATED}),
        R.EXPIRING: frozenset({R.EXPIRED}),
    },
)

ACCESS_ASSIGNMENT = Lifecycle[AccessAssignmentStatus](
    "access assignment",
    {
        A.PENDING: frozenset({A.ACTIVE, A.DELETING}),
        A.ACTIVE: frozenset({A.DELETING}),
        A.DELETING: frozenset({A.DELETED}),
    },
)

OPERATION = Lifecycle[OperationStatus](
    "operation",
    {
        OperationStatus.NOT_STARTED: frozenset({OperationStatus.RUNNING}),
        OperationStatus.RUNNING: frozenset({OperationStatus.SUCCEEDED, OperationStatus.FAILED}),
    },
)

# A relationship the customer granted and that has not ended: it names a customer and counts among its partners.
GRANTED = frozenset({R.APPROVED, R.ACTIVATING, R.ACTIVE, R.EXPIRING, R.TERMINATION_REQUESTED, R.TERMINATING})
# Assignments that still hold (or are about to hold) their roles.
LIVE_ASSIGNMENT = frozenset({A.PENDING, A.ACTIVE})
