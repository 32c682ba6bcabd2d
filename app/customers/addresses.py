"""Addresses as Partner Center checks them before a customer is created: each country's validation rules, and an
address validated against them, with the corrected address suggested where the fault is only its spelling."""

import re
from dataclasses import dataclass, field, replace
from typing import Any

from app.kernel.errors import NotFound

US_STATES = {
    "AL": "Alabama", "AK": "Alaska", "AZ": "Arizona", "AR": "Arkansas", "CA": "California", "CO": "Colorado",
    "CT": "Connecticut", "DE": "Delaware", "DC": "District of Columbia", "FL": "Florida", "GA": "Georgia",
    "HI": "Hawaii", "ID": "Idaho", "IL": "Illinois", "IN": "Indiana", "IA": "Iowa", "KS": "Kansas",
    "KY": "Kentucky", "LA": "Louisiana", "ME": "Maine", "MD": "Maryland", "MA": "Massachusetts", "MI": "Michigan",
    "MN": "Minnesota", "MS": "Mississippi", "MO": "Missouri", "MT": "Montana", "NE": "Nebraska", "NV": "Nevada",
    "NH": "New Hampshire", "NJ": "New Jersey", "NM": "New Mexico", "NY": "New York", "NC": "North Carolina",
    "ND": "North Dakota", "OH": "Ohio", "OK": "Oklahoma", "OR": "Oregon", "PA": "Pennsylvania",
    "RI": "Rhode Island", "SC": "South Carolina", "SD": "South Dakota", "TN": "Tennessee", "TX": "Texas",
    "UT": "Utah", "VT": "Vermont", "VA": "Virginia", "WA": "Washington", "WV": "West Virginia",
    "WI": "Wisconsin", "WY": "Wyoming", "PR": "Puerto Rico",
}  # fmt: skip
CA_PROVINCES = {
    "AB": "Alberta", "BC": "British Columbia", "MB": "Manitoba", "NB": "New Brunswick",
    "NL": "Newfoundland and Labrador", "NS": "Nova Scotia", "NT": "Northwest Territories", "NU": "Nunavut",
    "ON": "Ontario", "PE": "Prince Edward Island", "QC": "Quebec", "SK": "Saskatchewan", "YT": "Yukon",
}  # fmt: skip
AU_STATES = {
    "ACT": "Australian Capital Territory", "NSW": "New South Wales", "NT": "Northern Territory",
    "QLD": "Queensland", "SA": "South Australia", "TAS": "Tasmania", "VIC": "Victoria", "WA": "Western Australia",
}  # fmt: skip


@dataclass(frozen=True)
class CountryRules:
    """Partner Center's `CountryValidationRules` for one country."""

    iso2_code: str
    default_culture: str
    supported_languages: tuple[str, ...]
    supported_cultures: tuple[str, ...]
    calling_codes: tuple[str, ...]
    postal_code_regex: str
    states: dict[str, str] = field(default_factory=dict)
    is_state_required: bool = False
    is_postal_code_required: bool = True
    is_city_required: bool = True
    is_vat_id_supported: bool = False
    tax_id_format: str = ""
    tax_id_sample: str = ""
    phone_number_regex: str = r"^\+?[0-9 ()-]{6,20}$"

    def as_wire(self) -> dict[str, Any]:
        return {
            "iso2_code": self.iso2_code,
            "default_culture": self.default_culture,
            "is_state_required": self.is_state_required,
            "supported_states_list": list(self.states),
            "supported_languages_list": list(self.supported_languages),
            "supported_cultures_list": list(self.supported_cultures),
            "is_postal_code_required": self.is_postal_code_required,
            "postal_code_regex": self.postal_code_regex,
            "is_city_required": self.is_city_required,
            "is_vat_id_supported": self.is_vat_id_supported,
            "tax_id_format": self.tax_id_format,
            "tax_id_sample": self.tax_id_sample,
            "is_tax_id_supported": bool(self.tax_id_format),
            "is_tax_id_optional": True,
            "phone_number_regex": self.phone_number_regex,
            "country_calling_codes_list": list(self.calling_codes),
        }


COUNTRY_RULES = {
    rules.iso2_code: rules
    for rules in (
        CountryRules("US", "en-US", ("en",), ("en-US",), ("1",), r"^\d{5}(-\d{4})?$", US_STATES, True),
        CountryRules(
            "CA", "en-CA", ("en", "fr"), ("en-CA", "fr-CA"), ("1",), r"^[A-Z]\d[A-Z] \d[A-Z]\d$", CA_PROVINCES, True
        ),
        CountryRules(
            "GB",
            "en-GB",
            ("en",),
            ("en-GB",),
            ("44",),
            r"^[A-Z]{1,2}\d[A-Z\d]? \d[A-Z]{2}$",
            is_vat_id_supported=True,
            tax_id_format="^GB\\d{9}$",
            tax_id_sample="GB123456789",
        ),
        CountryRules(
            "DE",
            "de-DE",
            ("de",),
            ("de-DE",),
            ("49",),
            r"^\d{5}$",
            is_vat_id_supported=True,
            tax_id_format="^DE\\d{9}$",
            tax_id_sample="DE123456789",
        ),
        CountryRules(
            "FR",
            "fr-FR",
            ("fr",),
            ("fr-FR",),
            ("33",),
            r"^\d{5}$",
            is_vat_id_supported=True,
            tax_id_format="^FR[A-Z0-9]{2}\\d{9}$",
            tax_id_sample="FR12345678901",
        ),
        CountryRules("NL", "nl-NL", ("nl",), ("nl-NL",), ("31",), r"^\d{4} [A-Z]{2}$", is_vat_id_supported=True),
        CountryRules("AU", "en-AU", ("en",), ("en-AU",), ("61",), r"^\d{4}$", AU_STATES, True),
        CountryRules("JP", "ja-JP", ("ja",), ("ja-JP",), ("81",), r"^\d{3}-\d{4}$"),
        CountryRules("IN", "en-IN", ("en",), ("en-IN",), ("91",), r"^\d{6}$"),
    )
}


def country_rules(country: str) -> CountryRules:
    """The validation rules of a country cspsim knows (404 for any other)."""
    rules = COUNTRY_RULES.get(country.upper())
    if rules is None:
        raise NotFound("Country validation rules for", country.upper())
    return rules


@dataclass(frozen=True)
class Address:
    address_line1: str | None
    address_line2: str | None
    address_line3: str | None
    city: str | None
    state: str | None
    postal_code: str | None
    country: str


@dataclass(frozen=True)
class Validation:
    """Partner Center's `AddressValidationResponse`: the address as sent, what it should read, and the verdict."""

    original: Address
    suggested: list[Address]
    status: str
    message: str | None


def _postal_code_spelled(rules: CountryRules, postal_code: str) -> str:
    """The postal code as the country writes it: upper case, single spaces, the US ZIP+4 dash."""
    spelled = " ".join(postal_code.upper().split())
    if rules.iso2_code == "US" and re.fullmatch(r"\d{9}", spelled):
        return f"{spelled[:5]}-{spelled[5:]}"
    if rules.iso2_code in ("CA", "GB", "NL") and " " not in spelled and len(spelled) > 4:
        return f"{spelled[:-3]} {spelled[-3:]}" if rules.iso2_code != "NL" else f"{spelled[:4]} {spelled[4:]}"
    return spelled


def _state_spelled(rules: CountryRules, state: str) -> str | None:
    """The state's code, from its code or its name in any case; None when the country has no such state."""
    folded = state.strip().casefold()
    return next((code for code, name in rules.states.items() if folded in (code.casefold(), name.casefold())), None)


def validate_address(address: Address) -> Validation:
    """Check an address against its country's rules. Valid as sent: `VerifiedShippable`. A fault in spelling only (a
    state's name for its code, a postal code's case or spacing): `StreetPartial`, with the corrected address
    suggested. Anything else: `None`, naming the fields at fault."""
    rules = COUNTRY_RULES.get(address.country.upper())
    if rules is None:
        return Validation(address, [], "None", f"Addresses in '{address.country}' cannot be validated.")
    faults: list[str] = []
    fixed = replace(address, country=rules.iso2_code)
    if not (address.address_line1 or "").strip():
        faults.append("AddressLine1")
    if rules.is_city_required and not (address.city or "").strip():
        faults.append("City")
    if rules.states:
        code = _state_spelled(rules, address.state or "")
        if code is None:
            if rules.is_state_required:
                faults.append("Region")
        elif code != address.state:
            fixed = replace(fixed, state=code)
    postal = (address.postal_code or "").strip()
    if rules.is_postal_code_required or postal:
        spelled = _postal_code_spelled(rules, postal)
        if not re.fullmatch(rules.postal_code_regex, spelled):
            faults.append("PostalCode")
        elif spelled != address.postal_code:
            fixed = replace(fixed, postal_code=spelled)
    if faults:
        return Validation(address, [], "None", _invalid(faults))
    if fixed != address:
        changed = [
            name
            for name, before, after in (
                ("Region", address.state, fixed.state),
                ("PostalCode", address.postal_code, fixed.postal_code),
                ("Country", address.country, fixed.country),
            )
            if before != after
        ]
        return Validation(address, [fixed], "StreetPartial", _invalid(changed))
    return Validation(address, [], "VerifiedShippable", None)


def _invalid(fields: list[str]) -> str:
    return "Address field invalid for property: " + ", ".join(f"'{name}'" for name in fields)
