"""What the service counts, for `GET /metrics` (Prometheus's text format).

Requests by route template and status, their latency, timers fired, webhook deliveries by outcome. One registry
per process: every app the process builds (tests build several) adds to the same counts.
"""

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest

REGISTRY = CollectorRegistry()
REQUESTS = Counter("cspsim_http_requests", "HTTP requests answered.", ["method", "route", "status"], registry=REGISTRY)
LATENCY = Histogram(
    "cspsim_http_request_duration_seconds",
    "Time to answer an HTTP request.",
    ["method", "route"],
    registry=REGISTRY,
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
TIMERS = Counter("cspsim_timers_fired", "Timers fired on sandbox clocks.", ["kind", "status"], registry=REGISTRY)
WEBHOOKS = Counter("cspsim_webhook_deliveries", "Webhook delivery attempts by outcome.", ["outcome"], registry=REGISTRY)


def exposition() -> bytes:
    return generate_latest(REGISTRY)
