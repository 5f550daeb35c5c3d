"""The Content-Security-Policy header, built from directives rather than edited as a string: a page that
needs one more source (the representative page uploads straight to S3) asks for it by directive."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

NONE = "'none'"
SELF = "'self'"
# A source is one token: whitespace, ';' or ',' would end it and smuggle in another directive or policy.
_SOURCE = re.compile(r"[^\s;,]+")


@dataclass(frozen=True)
class Policy:
    """Directives in header order, each with its sources."""

    directives: Mapping[str, tuple[str, ...]]

    def allowing(self, directive: str, *sources: str) -> Policy:
        """This policy with `sources` added to `directive` ('none' gives way to the first real source)."""
        for source in sources:
            if not _SOURCE.fullmatch(source):
                raise ValueError(f"not a CSP source: {source!r}")
        kept = tuple(source for source in self.directives.get(directive, ()) if source != NONE)
        return Policy(MappingProxyType({**self.directives, directive: (*kept, *sources)}))

    def header(self) -> str:
        return "; ".join(f"{name} {' '.join(sources)}" for name, sources in self.directives.items())


# Every response's policy: the portal's own scripts, styles and images (QR codes are data: URIs), no
# framing, no plugins, forms and fetches to the portal only.
PORTAL = Policy(MappingProxyType({
    "default-src": (SELF,),
    "script-src": (SELF,),
    "style-src": (SELF,),
    "img-src": (SELF, "data:"),
    "connect-src": (SELF,),
    "object-src": (NONE,),
    "base-uri": (NONE,),
    "form-action": (SELF,),
    "frame-ancestors": (NONE,),
}))
