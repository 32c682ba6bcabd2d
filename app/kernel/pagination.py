"""Keyset pagination with an opaque continuation token, and Partner Center's collection envelope.

A page is read with `WHERE (k1, k2) > (:last1, :last2) ORDER BY k1, k2 LIMIT n+1`:
no OFFSET, so deep pages cost what the first one does. The token is the last
row's key, base64url-encoded JSON; clients treat it as opaque and send it back
as the `MS-ContinuationToken` header (as the Partner Center SDK does) or as the
`continuationToken` query parameter.
"""

import base64
import binascii
import json
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Generic, TypeVar

from fastapi import Header, Query, Request
from pydantic import ConfigDict, Field
from sqlalchemy import Integer, Select, bindparam, func, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from app.kernel.errors import BadRequest
from app.kernel.principals import Claims, ReadAhead
from app.kernel.statements import Read
from app.wire import Schema

T = TypeVar("T")
MAX_PAGE = 500
DEFAULT_PAGE = 100


@dataclass(frozen=True)
class PageRequest:
    size: int
    token: str | None


def pages_of(default: int, most: int) -> Callable[..., Awaitable[PageRequest]]:
    """A route's page request: `size` (`default` unless asked, at most `most`) and the continuation token, as the
    `MS-ContinuationToken` header or the `continuationToken` parameter."""

    async def page_request(  # a coroutine: FastAPI runs a plain function dependency in a worker thread
        size: int = Query(default, ge=1, le=most, description="Items per page."),
        continuation_token: str | None = Query(None, alias="continuationToken"),
        ms_continuation_token: str | None = Header(None, alias="MS-ContinuationToken"),
    ) -> PageRequest:
        return PageRequest(size=size, token=ms_continuation_token or continuation_token)

    return page_request


page_request = pages_of(DEFAULT_PAGE, MAX_PAGE)
# Partner Center pages an invoice's line items by 2,000 (its SDK samples ask for pageMaxSizeReconLineItems = 2000).
line_item_page_request = pages_of(2_000, 2_000)


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    total: int
    next_token: str | None


def token_of(values: Sequence[Any]) -> str:
    """A position as an opaque continuation token (what a page's next link carries)."""
    plain = [v.isoformat() if isinstance(v, date) else str(v) if isinstance(v, uuid.UUID) else v for v in values]
    return base64.urlsafe_b64encode(json.dumps(plain).encode()).decode().rstrip("=")


def _key_value(kind: type, value: Any) -> Any:
    """One position of a token, read strictly: a token is the caller's input, and a forged one must not reach the
    database as a value of another type (or out of a column's range)."""
    if kind is int:
        if type(value) is not int or not -(2**63) <= value < 2**63:
            raise ValueError("not a 64-bit integer")
        return value
    if not isinstance(value, str) or not value.isprintable():
        raise ValueError("not printable text")
    if kind is datetime or kind is date:
        return kind.fromisoformat(value)
    return kind(value)


def invalid_token() -> BadRequest:
    """The refusal of a continuation token no page of this list gave (forged, or of another list)."""
    return BadRequest("The continuation token is not valid; start again from the first page.")


def position_of(token: str, kinds: Sequence[type]) -> list[Any]:
    """The position a continuation token carries, each value of its kind (int, str, uuid.UUID, datetime...); a
    token of another shape is the caller's mistake (400)."""
    try:
        raw = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        if not isinstance(raw, list) or len(raw) != len(kinds):
            raise ValueError("wrong shape")
        return [_key_value(kind, value) for kind, value in zip(kinds, raw, strict=True)]
    except (ValueError, TypeError, binascii.Error, NotImplementedError) as exc:  # JSONDecodeError is a ValueError
        raise invalid_token() from exc


def _counted(stmt: Select[Any]) -> Select[Any]:
    return select(func.count()).select_from(stmt.order_by(None).subquery())


# A listing's page statements, for statements built once with bound parameters (`keyset(params=...)`): by the
# statement, its count and whether the page starts after a token; each entry holds the two, so their ids stay theirs.
_PAGE_READS: dict[tuple[int, int, bool], tuple[Read, Read, object]] = {}


def _page_reads(stmt: Select[Any], keys: Sequence[Any], count: Select[Any] | None, after: bool) -> tuple[Read, Read]:
    """A page's `Read` (its rows, each with the list's count) and the count's alone, built once per listing (and
    its count, counted when none is kept)."""
    key = (id(stmt), id(count), after)
    reads = _PAGE_READS.get(key)
    if reads is None:
        counting = _counted(stmt) if count is None else count
        positions = (bindparam(f"after_{i}", type_=key.type) for i, key in enumerate(keys))
        paged = stmt.where(tuple_(*keys) > tuple_(*positions)) if after else stmt
        counted = paged.add_columns(counting.scalar_subquery().label("total_count"))
        page = Read(counted.order_by(*keys).limit(bindparam("page_limit", type_=Integer)))
        reads = _PAGE_READS[key] = (page, Read(counting), (stmt, count))
    return reads[0], reads[1]


def first_page_ahead(
    stmt: Select[Any],
    *,
    keys: Sequence[Any],
    count: Select[Any],
    params: Callable[[Claims], Mapping[str, Any]],
    default: int = DEFAULT_PAGE,
    most: int = MAX_PAGE,
) -> ReadAhead:
    """A listing's first page (no continuation token), read with its caller's principal (`pipeline.reads_ahead`):
    `stmt`, `keys` and `count` as the route's service passes them to `keyset(params=...)`, whose values `params`
    makes from the token's claims; the page's size as `pages_of(default, most)` reads it. What pollers call."""
    read = _page_reads(stmt, keys, count, after=False)[0]

    def values(claims: Claims, request: Request) -> Mapping[str, Any]:
        if request.headers.get("MS-ContinuationToken") or request.query_params.get("continuationToken"):
            raise ValueError("a page after a token")
        size = int(request.query_params.get("size", default))
        if not 1 <= size <= most:
            raise ValueError("a size the route refuses")
        return {**params(claims), "page_limit": size + 1}

    return ReadAhead(read, values)


async def keyset(
    session: AsyncSession,
    stmt: Select[Any],
    *,
    keys: Sequence[Any],
    page: PageRequest,
    count: Select[Any] | None = None,
    shown: Callable[..., Any] | None = None,
    params: Mapping[str, Any] | None = None,
) -> Page[Any]:
    """One page of `stmt` (a select of one entity), ordered by `keys`, after the token's position, with the whole
    list's count (`totalCount`) read in the same statement: each row carries it. A page past the end has no row to
    carry it, and asks for it alone. `count`: the list's count kept elsewhere (a large list's), else it is counted.
    `shown`: for a select of columns, what makes an item of a row's values (read as values, no entity loaded; each
    key is then one of its attributes). `params`: `stmt` (and `count`) were built once with these bound parameters,
    and the page is read through the driver (`statements.Read`), with `shown`: building a listing's statement and
    the ORM's execution of it were half of a customer listing page's CPU."""
    after = position_of(page.token, [key.type.python_type for key in keys]) if page.token else None
    if params is not None:
        assert shown is not None, "a page read through the driver is values: say what makes an item of them"
        paged, counting = _page_reads(stmt, keys, count, after is not None)
        values = {**params, "page_limit": page.size + 1, **{f"after_{i}": v for i, v in enumerate(after or ())}}
        found: Sequence[Any] = await paged.all(session, values)
        if not found and after is not None:
            counted_alone = await counting.one_or_none(session, params)
            return Page(items=[], total=counted_alone[0] if counted_alone else 0, next_token=None)
    else:
        count = _counted(stmt) if count is None else count
        paged_stmt = stmt if after is None else stmt.where(tuple_(*keys) > tuple_(*after))
        counted = paged_stmt.add_columns(count.scalar_subquery().label("total_count"))
        found = (await session.execute(counted.order_by(*keys).limit(page.size + 1))).all()
        if not found and after is not None:  # a page past the end has no row to carry the count (an empty list: 0)
            return Page(items=[], total=(await session.execute(count)).scalar_one(), next_token=None)
    rows = [shown(*row[:-1]) for row in found] if shown else [row[0] for row in found]
    total = found[0][-1] if found else 0
    next_token = None
    if len(rows) > page.size:
        rows = rows[: page.size]
        last = rows[-1]
        next_token = token_of([getattr(last, key.key) for key in keys])
    return Page(items=rows, total=total, next_token=next_token)


class LinkHeader(Schema):
    key: str
    value: str


class Link(Schema):
    uri: str
    method: str = "GET"
    headers: list[LinkHeader] = Field(default_factory=list)


class Links(Schema):
    """A collection's links. Partner Center leaves `next` (and `self`) out when there is none, rather than sending
    null: clients test for the key (the .NET SDK's enumerator stops when `next` is absent)."""

    self_: Link | None = Field(default=None, alias="self", exclude_if=lambda link: link is None)
    next: Link | None = Field(default=None, exclude_if=lambda link: link is None)


class ResourceAttributes(Schema):
    # The default `attributes` of many answers. Frozen, so that it is shared as it is: pydantic deep-copies a default
    # it cannot hash into every instance (3.2 us each, a hundred times over for a page of a hundred).
    model_config = ConfigDict(frozen=True)

    object_type: str


class Collection(Schema, Generic[T]):
    """Partner Center's collection envelope."""

    total_count: int
    items: list[T]
    links: Links
    attributes: ResourceAttributes = ResourceAttributes(object_type="Collection")


def collection(request: Request, page: Page[Any], items: list[T]) -> Collection[T]:
    base = request.url.path
    query = [(k, v) for k, v in request.query_params.multi_items() if k not in {"continuationToken", "seekOperation"}]
    query_text = "&".join(f"{k}={v}" for k, v in query)
    self_link = Link(uri=f"{base}?{query_text}" if query_text else base)
    next_link = None
    if page.next_token:
        uri = f"{base}?{query_text + '&' if query_text else ''}seekOperation=Next"
        next_link = Link(uri=uri, headers=[LinkHeader(key="MS-ContinuationToken", value=page.next_token)])
    return Collection[T](total_count=page.total, items=items, links=Links(self=self_link, next=next_link))
