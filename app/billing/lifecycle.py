"""A Graph billing export's lifecycle: notStarted -> running -> succeeded | failed."""

from app.kernel.lifecycle import Lifecycle
from app.models import ExportStatus

EXPORT = Lifecycle[ExportStatus](
    "billing export",
    {
        ExportStatus.NOT_STARTED: frozenset({ExportStatus.RUNNING, ExportStatus.FAILED}),
        ExportStatus.RUNNING: frozenset({ExportStatus.SUCCEEDED, ExportStatus.FAILED}),
    },
)
