"""The roles an account can hold. A role is stored as its plain string value (the users table keeps a
string set), so accounts written before the enum existed read back as these members' equals."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    """What an account may do beyond its own account; an account can hold several."""

    TAXPAYER = "taxpayer"  # confirms and revokes the authorizations on its CRIB
    REPRESENTATIVE = "representative"  # a firm's account: registers and imports authorizations
    SUPPORT = "support"  # the support desk
    ADMIN = "admin"  # the support desk, and the only role that manages staff accounts
