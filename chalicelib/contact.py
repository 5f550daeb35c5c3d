"""How people reach the tax authority's klantenservice, and where the portal links outside itself: read
lazily from environment variables, set per stage in .chalice/config.json.

Every value is configurable; the defaults are only the authority's generally known details (its main
site and office). A value left empty is not shown (a phone number or e-mail address nobody configured
is never made up), so the footer and the help pages show exactly what the stage was given.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from functools import lru_cache

DEFAULT_MAIN_SITE = "https://belastingdienst.cw"
DEFAULT_ADDRESS = "WTC Curaçao, Piscaderweg z/n, Willemstad"
DEFAULT_TAX_SERVICES = "https://online.belastingdienst.cw"
DEFAULT_RESPONSE_DAYS = 3
# Opening hours as HH:MM-HH:MM on working days (Monday to Friday); the pages word the days.
_HOURS = re.compile(r"^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d$")


class ContactSettingError(ValueError):
    """A contact setting that cannot be shown as given (a typo in the stage's configuration)."""


@dataclass(frozen=True)
class Contact:
    phone: str  # as dialled from abroad too, e.g. "+599 9 123 4567"; empty: not shown
    email: str  # the klantenservice's address; empty: not shown
    hours: str  # "07:30-16:30" on working days; empty: not shown
    address: str  # the office people can visit
    main_site: str  # the authority's own site (https://)
    tax_services: str  # "Mijn Aangifte": where filing returns and other tax services live (https://)
    response_days: int  # working days within which the klantenservice answers a help request

    @property
    def phone_link(self) -> str:
        """tel: URI of the phone number (digits and a leading +, nothing else)."""
        return "tel:" + re.sub(r"[^\d+]", "", self.phone)

    @property
    def hours_from(self) -> str:
        return self.hours.split("-")[0]

    @property
    def hours_until(self) -> str:
        return self.hours.split("-")[1]


def _https(name: str, value: str) -> str:
    if not value.startswith("https://") or any(character.isspace() for character in value):
        raise ContactSettingError(f"{name} must be an https:// address without spaces, not {value!r}")
    return value.rstrip("/")


@lru_cache(maxsize=1)
def get_contact() -> Contact:
    """The stage's contact details, checked once per container (a bad value fails the first page, loudly)."""
    env = os.environ.get
    hours = env("PORTAL_CONTACT_HOURS", "").strip()
    if hours and not _HOURS.match(hours):
        raise ContactSettingError(f"PORTAL_CONTACT_HOURS must look like 07:30-16:30, not {hours!r}")
    email = env("PORTAL_CONTACT_EMAIL", "").strip()
    if email and ("@" not in email or any(character.isspace() for character in email)):
        raise ContactSettingError(f"PORTAL_CONTACT_EMAIL is not an e-mail address: {email!r}")
    return Contact(
        phone=env("PORTAL_CONTACT_PHONE", "").strip(),
        email=email,
        hours=hours,
        address=env("PORTAL_CONTACT_ADDRESS", DEFAULT_ADDRESS).strip(),
        main_site=_https("PORTAL_MAIN_SITE_URL", env("PORTAL_MAIN_SITE_URL", DEFAULT_MAIN_SITE).strip()),
        tax_services=_https("PORTAL_TAX_SERVICES_URL", env("PORTAL_TAX_SERVICES_URL", DEFAULT_TAX_SERVICES).strip()),
        response_days=_days(env("PORTAL_SUPPORT_RESPONSE_DAYS", str(DEFAULT_RESPONSE_DAYS))),
    )


def _days(value: str) -> int:
    if not value.strip().isdigit() or not 1 <= int(value) <= 30:
        raise ContactSettingError(f"PORTAL_SUPPORT_RESPONSE_DAYS must be working days (1-30), not {value!r}")
    return int(value)


def reset_contact() -> None:
    """Forget the cached details (tests change the environment)."""
    get_contact.cache_clear()
