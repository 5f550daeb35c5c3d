"""The enrollment QR code as SVG (segno, imported here only: the login path never loads it)."""

from __future__ import annotations

import io


def qr_svg(text: str, title: str) -> str:
    """A standalone SVG document of `text` as QR code; `title` is its accessible name.

    No inline style (the page's CSP), an xmlns and a viewBox, so it scales to any size.
    """
    import segno

    # Error correction M survives a phone camera's glare; border 4 is the quiet zone scanners need.
    code = segno.make(text, error="m", micro=False)
    buffer = io.BytesIO()
    # A viewBox instead of a fixed size: the page scales the code to its box without cutting it off.
    code.save(buffer, kind="svg", border=4, title=title, dark="#000", light="#fff", omitsize=True,
              xmldecl=False, nl=False, svgclass=None, lineclass=None)
    return buffer.getvalue().decode("utf-8")
