"""Phone numbers as people dial them, normalised to E.164 (``phonenumbers``,
Google's libphonenumber metadata).

A number without a country code is read in the deployment's default region
(``PHONE_DEFAULT_REGION``, "RU" unless configured): ``8 495 123-45-67``,
``+7 (495) 1234567`` and ``4951234567`` are all ``+74951234567``. What the
lookup cannot read as a whole number (``495…``, a local ``123-45-67``) it
matches as the start of the national number or as the end of the number.
"""

from __future__ import annotations

import re

import phonenumbers
from flask import current_app, has_app_context

DEFAULT_REGION = "RU"
# What a dialled number may contain besides digits.
_DIALLED = re.compile(r"^\+?[\d\s().\-]+$")
MIN_PARTIAL_DIGITS = 3
MIN_LOCAL_DIGITS = 5  # a shorter tail matches too many numbers


def default_region() -> str:
    """The configured region for numbers without a country code: a
    deployment setting (like the database URL), not domain data."""
    if has_app_context():
        return current_app.config.get("PHONE_DEFAULT_REGION") or DEFAULT_REGION
    return DEFAULT_REGION


def to_e164(text: str | None, region: str | None = None) -> str | None:
    """``text`` as an E.164 number (``+74951234567``), or None when it is not
    a possible phone number in ``region`` (default: ``default_region()``)."""
    if not text or not looks_dialled(text):
        return None
    try:
        number = phonenumbers.parse(text, region or default_region())
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def reversed_digits(e164: str | None) -> str | None:
    """The digits of a number, last first: an indexed prefix search on them
    is a search for how the number ends (a local number)."""
    return e164.lstrip("+")[::-1] if e164 else None


def looks_dialled(text: str) -> bool:
    """Digits with the usual separators, an optional leading ``+``."""
    return bool(_DIALLED.match(text.strip())) and any(c.isdigit() for c in text)


def lookup_keys(text: str, region: str | None = None) -> tuple[list[str], str | None]:
    """What to look for when an agent types ``text``: E.164 prefixes (every
    way to read the digits as the start of a number) and the reversed
    digits for a local number's tail (None when too short)."""
    digits = "".join(c for c in text if c.isdigit())
    if len(digits) < MIN_PARTIAL_DIGITS:
        return [], None
    if text.strip().startswith("+"):
        return ["+" + digits], None
    region = region or default_region()
    metadata = phonenumbers.PhoneMetadata.metadata_for_region(region)
    country = str(metadata.country_code) if metadata else ""
    prefixes = {"+" + digits, "+" + country + digits}
    trunk = metadata.national_prefix if metadata else None
    if trunk and digits.startswith(trunk):
        prefixes.add("+" + country + digits[len(trunk) :])
    whole = to_e164(text, region)
    if whole:
        prefixes.add(whole)
    tail = digits[::-1] if len(digits) >= MIN_LOCAL_DIGITS else None
    return sorted(prefixes), tail
