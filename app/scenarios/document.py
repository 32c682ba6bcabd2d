"""Reading a scenario document: JSON or YAML by its media type, its shape checked by the schema, its local names
checked here, each problem named by its path (`customers[2].reseller: no partner named 'tailspin'`)."""

import json
from dataclasses import dataclass, field

import yaml
from pydantic import ValidationError

from app.kernel.errors import BadRequest
from app.scenarios import marketplace
from app.scenarios.schemas import CustomerIn, LinkIn, ScenarioDocument

JSON_TYPES = frozenset({"application/json"})
YAML_TYPES = frozenset({"application/yaml", "text/yaml", "application/x-yaml", "text/x-yaml"})


def path_of(loc: tuple[int | str, ...]) -> str:
    """`('customers', 2, 'reseller')` -> `customers[2].reseller`."""
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else f".{part}" if text else str(part)
    return text or "(document)"


def read_document(raw: bytes, media_type: str | None) -> ScenarioDocument:
    """Parse a JSON or YAML document (by its media type) into a scenario; a bad one is a 400 naming the path."""
    kind = (media_type or "").split(";", 1)[0].strip().lower()
    if kind not in JSON_TYPES | YAML_TYPES:
        unsupported = BadRequest(
            f"Send the scenario as application/json, application/yaml or text/yaml, not '{kind or 'nothing'}'."
        )
        unsupported.status_code, unsupported.error_name = 415, "UnsupportedMediaType"
        raise unsupported
    try:
        data = json.loads(raw) if kind in JSON_TYPES else yaml.safe_load(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BadRequest(f"The document is not valid JSON: {exc}.") from exc
    except yaml.YAMLError as exc:
        raise BadRequest(f"The document is not valid YAML: {exc}".replace("\n", " ")) from exc
    if not isinstance(data, dict):
        raise BadRequest("A scenario is one mapping, with partners, partnerships and customers.")
    try:
        return ScenarioDocument.model_validate(data)
    except ValidationError as exc:
        problems = [{"path": path_of(tuple(e["loc"])), "message": e["msg"]} for e in exc.errors()]
        raise BadRequest(
            "The scenario is not valid: " + "; ".join(f"{p['path']}: {p['message']}" for p in problems[:5]),
            data=problems,
        ) from exc


@dataclass
class _References:
    partners: dict[str, str]
    customers: dict[str, str]
    problems: list[tuple[str, str]] = field(default_factory=list)

    def partner(self, path: str, ref: str | None) -> None:
        if ref is None or ref in self.partners:
            return
        also = f" ({ref} is a customer, {self.customers[ref]})" if ref in self.customers else ""
        self.problems.append((path, f"no partner named '{ref}'{also}"))

    def customer(self, path: str, ref: str) -> None:
        if ref not in self.customers:
            self.problems.append((path, f"no customer named '{ref}'"))

    def check(self, path: str, broken: bool, message: str) -> None:
        if broken:
            self.problems.append((path, message))


def check_references(doc: ScenarioDocument) -> None:
    """Every local name is defined once and every reference names a partner of the document; the ways a customer
    comes to its partners are ones that exist."""
    refs = _References(partners={}, customers={})
    named: list[tuple[str, list[str], dict[str, str]]] = [
        ("partners", [p.ref for p in doc.partners], refs.partners),
        ("customers", [c.ref for c in doc.customers], refs.customers),
    ]
    for kind, names, owners in named:
        for i, ref in enumerate(names):
            owner = refs.partners.get(ref) or refs.customers.get(ref)
            refs.check(f"{kind}[{i}].ref", owner is not None, f"'{ref}' already names {owner}")
            owners.setdefault(ref, f"{kind}[{i}]")
    for i, partnership in enumerate(doc.partnerships):
        refs.partner(f"partnerships[{i}].provider", partnership.provider)
        refs.partner(f"partnerships[{i}].reseller", partnership.reseller)
    for i, customer in enumerate(doc.customers):
        _check_customer(refs, f"customers[{i}]", customer)
    if doc.marketplace is not None:
        marketplace.check(doc.marketplace, refs.partner, refs.customer)
    if refs.problems:
        raise BadRequest(
            "The scenario is not valid: " + "; ".join(f"{path}: {message}" for path, message in refs.problems[:5]),
            data=[{"path": path, "message": message} for path, message in refs.problems],
        )


def _check_customer(refs: _References, at: str, c: CustomerIn) -> None:
    for name in ("created_by", "reseller", "provider", "extended_to"):
        refs.partner(f"{at}.{_camel(name)}", getattr(c, name))
    refs.check(
        f"{at}.provider",
        c.provider is not None and c.created_by is not None,
        "a customer a partner created was not invited: createdBy names the provider, reseller its reseller",
    )
    refs.check(
        f"{at}.reseller",
        c.reseller is not None and c.created_by is None and c.provider is None,
        "name the provider the reseller invited the customer with (provider), or the provider that created the "
        "customer for the reseller (createdBy)",
    )
    refs.check(
        f"{at}.provider",
        c.provider is not None and c.reseller is None,
        "an invitation with a provider comes from an indirect reseller: name it (reseller)",
    )
    refs.check(
        f"{at}.extendedTo",
        c.extended_to is not None and c.created_by is None,
        "only the partner that created the customer extends its relationship to a provider",
    )
    for j, link in enumerate(c.links):
        _check_link(refs, f"{at}.links[{j}]", link)
    for k, partner in enumerate(c.mca.attested_by if c.mca else []):
        refs.partner(f"{at}.mca.attestedBy[{k}]", partner)
    for j, subscription in enumerate(c.subscriptions):
        refs.partner(f"{at}.subscriptions[{j}].partner", subscription.partner)
    for j, order in enumerate(c.orders):
        refs.partner(f"{at}.orders[{j}].partner", order.partner)


def _check_link(refs: _References, at: str, link: LinkIn) -> None:
    refs.check(
        at,
        (link.partner is None) == (link.reseller is None),
        "name a partner (its reseller relationship request) or a reseller and its provider (an indirect reseller "
        "invitation)",
    )
    refs.check(f"{at}.provider", link.reseller is not None and link.provider is None, "the invitation's provider")
    refs.check(
        f"{at}.provider", link.partner is not None and link.provider is not None, "a relationship request has none"
    )
    for name in ("partner", "reseller", "provider"):
        refs.partner(f"{at}.{name}", getattr(link, name))


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)
