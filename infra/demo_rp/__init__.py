"""Mijn Aangifte, a demo relying party of the portal's OpenID Connect provider (local use only; not
part of the packaged function)."""
