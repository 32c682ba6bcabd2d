"""What the service counts, for `GET /metrics` (Prometheus's text format).

Requests by route template and status, their latency, timers fired, webhook deliveries by outcome. One registry
per process: every app the process builds (tests build several) adds to the same counts.
"""

from typing import Any

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


# A request's labelled series, found by a dict rather than by `labels()` (which checks and joins its labels and takes
# a lock) on every request: there are as many as routes, methods and statuses answered.
_ANSWERED: dict[tuple[str, str, str], Any] = {}
_TIMED: dict[tuple[str, str], Any] = {}


def answered(method: str, route: str, status: str, seconds: float) -> None:
    """Count a request answered, and how long it took."""
    counted = _ANSWERED.get((method, route, status))
    if counted is None:
        counted = _ANSWERED[method, route, status] = REQUESTS.labels(method=method, route=route, status=status)
    counted.inc()
    timed = _TIMED.get((method, route))
    if timed is None:
        timed = _TIMED[method, route] = LATENCY.labels(method=method, route=route)
    timed.observe(seconds)


def exposition() -> bytes:
    return generate_latest(REGISTRY)
