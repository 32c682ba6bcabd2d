"""Every Partner Center operation cspsim serves has a documented example (a fixture under
tests/fixtures/partner_center_examples, run by its group's test module), or a reason here why it has none."""

import re
from typing import Any

from fastapi import FastAPI

from tests.partner_center_examples import EXAMPLES, Example

# Operations with no example to compare: the answer has no JSON body, or the operation is cspsim's own (Partner
# Center does these in its portal, or not at all; the seeds need them).
NO_BODY = "Partner Center documents it with no response body"
OWN = "cspsim's own operation: Partner Center documents no REST call for it"
WITHOUT_EXAMPLE = {
    ("DELETE", "/v1/customers/{customer_id}"): NO_BODY,
    ("HEAD", "/v1/domains/{domain}"): NO_BODY,
    ("GET", "/v1/invoices/{invoice_id}/documents/statement"): "a PDF (tests/billing/test_invoices.py reads it)",
    ("GET", "/v1/invoices/{invoice_id}/reports/producttypes"): OWN + " (BIL-4's report by product type)",
    ("GET", "/v1/notifications"): OWN + " (the mails a partner was sent)",
    ("GET", "/v1/profiles/partner"): OWN + " (the partner's program profile, seed 001)",
    ("PUT", "/v1/profiles/partner"): OWN + " (the partner's program profile, seed 001)",
    ("POST", "/v1/enrollments"): OWN + " (program enrollment, seed 001)",
    ("GET", "/v1/enrollments"): OWN + " (program enrollment, seed 001)",
    ("GET", "/v1/enrollments/{enrollment_id}"): OWN + " (program enrollment, seed 001)",
    ("POST", "/v1/agreements/{agreement_id}/accept"): OWN + " (a partner signs the MPA in the portal)",
    ("GET", "/v1/indirectproviders"): OWN + " (the indirect provider directory of the portal)",
    ("POST", "/v1/partnerships/invitations"): OWN + " (a provider's reseller invitation, a portal link)",
    ("GET", "/v1/partnerships/invitations"): OWN + " (a provider's reseller invitation, a portal link)",
    ("POST", "/v1/partnerships/invitations/{invitation_id}/accept"): OWN + " (accepting it, in the portal)",
    ("POST", "/v1/customers/invitations"): OWN + " (an indirect reseller's customer invitation)",
    ("POST", "/v1/customers/{customer_id}/resellerrelationshipextension"): OWN + " (seed 001's extension)",
    ("GET", "/v1/customers/{customer_id}/resellerrelationshipextension"): OWN + " (seed 001's extension)",
    ("POST", "/v1/orderrequests"): OWN + " (an indirect reseller asks its provider)",
    ("GET", "/v1/orderrequests"): OWN + " (an indirect reseller asks its provider)",
    ("POST", "/v1/orderrequests/{request_id}/fulfill"): OWN + " (the provider fulfils it)",
    ("POST", "/v1/orderrequests/{request_id}/reject"): OWN + " (the provider rejects it)",
}


def all_examples() -> list[Example]:
    return [Example.load(path) for path in sorted(EXAMPLES.rglob("*.json"))]


def route_pattern(path: str) -> re.Pattern[str]:
    """A served path as a pattern: any value for a parameter; Partner Center's paths match without regard to case."""
    return re.compile("^" + re.sub(r"\{[^}]+\}", "[^/]+", path) + "$", re.IGNORECASE)


def partner_center_operations(document: dict[str, Any]) -> list[tuple[str, str]]:
    return [
        (method.upper(), path)
        for path, operations in document["paths"].items()
        if path.startswith(("/v1/", "/partner/v1/"))
        for method in operations
    ]


def test_every_partner_center_operation_has_a_documented_example(app: FastAPI) -> None:
    examples = [(e.method, e.path.split("?", 1)[0]) for e in all_examples()]
    missing = [
        f"{method} {path}"
        for method, path in partner_center_operations(app.openapi())
        if (method, path) not in WITHOUT_EXAMPLE
        and not any(m == method and route_pattern(path).match(p) for m, p in examples)
    ]
    assert missing == [], "add a fixture (tests/fixtures/partner_center_examples/README.md) for each of these"


def test_each_example_names_an_operation_served(app: FastAPI) -> None:
    served = partner_center_operations(app.openapi())
    stray = [
        f"{e.name}: {e.method} {e.path}"
        for e in all_examples()
        if not any(m == e.method and route_pattern(p).match(e.path.split("?", 1)[0]) for m, p in served)
    ]
    assert stray == []


def test_each_group_of_examples_is_run_by_a_test_module() -> None:
    modules = "\n".join(path.read_text() for path in EXAMPLES.parents[1].rglob("test_*.py"))
    groups = sorted(folder.name for folder in EXAMPLES.iterdir() if folder.is_dir())
    assert [g for g in groups if f'examples("{g}")' not in modules] == []
