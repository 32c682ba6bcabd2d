"""Windows Autopilot through Partner Center, for the customers a partner is related to, and Azure fraud alerts.

    device batch (named by its creator) ──< device            upload ──> batch upload status (batchJobStatus)
    configuration policy (out-of-box settings)               fraud event (raised by the operator, read by the partner)

An upload is processed at once: its status is `finished` (or `finished_with_errors`, per device) when answered.
"""
