"""OData query options as Graph reads them on GDAP lists: `$filter` (eq clauses joined by `and`), `$top`,
`$skiptoken` (the opaque keyset token in `@odata.nextLink`) and `$count`."""

import re
import uuid
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import Query, Request

from app.gdap.service import RelationshipFilter
from app.kernel.errors import BadRequest
from app.kernel.pagination import Page, PageRequest
from app.models import GdapRelationshipStatus

MAX_TOP = 300

_CLAUSE = re.compile(
    r"\s*(?P<property>[A-Za-z]+(?:/[A-Za-z]+)?)\s+eq\s+(?:'(?P<quoted>(?:[^']|'')*)'|(?P<bare>[0-9A-Fa-f-]{36}))\s*",
    re.IGNORECASE,
)
_AND = re.compile(r"and\s+", re.IGNORECASE)


def _clauses(text: str) -> list[tuple[str, str]]:
    """`status eq 'active' and customer/tenantId eq '...'` -> [("status", "active"), ("customer/tenantId", ...)]."""
    found: list[tuple[str, str]] = []
    position = 0
    while position < len(text):
        match = _CLAUSE.match(text, position)
        if match is None:
            raise BadRequest(
                f"Invalid filter clause at '{text[position:]}': use property eq 'value', joined by and "
                "(status, customer/tenantId, displayName)."
            )
        value = match.group("quoted")
        found.append((match.group("property"), value.replace("''", "'") if value is not None else match.group("bare")))
        position = match.end()
        if position < len(text):
            joined = _AND.match(text, position)
            if joined is None:
                raise BadRequest(f"Invalid filter clause at '{text[position:]}': clauses are joined by and.")
            position = joined.end()
    return found


async def relationship_filter(
    filter_text: Annotated[str | None, Query(alias="$filter")] = None,
) -> RelationshipFilter:
    """`$filter` on status, customer/tenantId and displayName. A coroutine, as every dependency: FastAPI runs a plain
    function in a worker thread."""
    if not filter_text:
        return RelationshipFilter()
    status: GdapRelationshipStatus | None = None
    customer: uuid.UUID | None = None
    name: str | None = None
    for prop, value in _clauses(filter_text):
        match prop.lower():
            case "status":
                try:
                    status = GdapRelationshipStatus(value)
                except ValueError:
                    known = ", ".join(s.value for s in GdapRelationshipStatus)
                    raise BadRequest(f"'{value}' is not a relationship status; known: {known}.") from None
            case "customer/tenantid":
                try:
                    customer = uuid.UUID(value)
                except ValueError:
                    raise BadRequest(f"customer/tenantId '{value}' is not a GUID.") from None
            case "displayname":
                name = value
            case _:
                raise BadRequest(
                    f"Filtering on '{prop}' is not supported: use status, customer/tenantId or displayName."
                )
    return RelationshipFilter(status=status, customer_tenant_id=customer, display_name=name)


async def graph_page(  # a coroutine: FastAPI runs a plain function dependency in a worker thread
    top: Annotated[int, Query(alias="$top", ge=1, le=MAX_TOP, description="Items per page (at most 300).")] = MAX_TOP,
    skip_token: Annotated[str | None, Query(alias="$skiptoken", description="From @odata.nextLink.")] = None,
) -> PageRequest:
    return PageRequest(size=top, token=skip_token)


def next_link(request: Request, page: Page[Any]) -> str | None:
    """The absolute URL of the next page, with every other query option kept, as Graph writes `@odata.nextLink`."""
    if page.next_token is None:
        return None
    options = [(k, v) for k, v in request.query_params.multi_items() if k != "$skiptoken"]
    options.append(("$skiptoken", page.next_token))
    return str(request.url.replace(query=urlencode(options, safe="$'/", quote_via=quote)))
