"""The enrollment QR code as SVG (segno, imported here only: the login path never loads it)."""

from __future__ import annotations

import io


def qr_svg(text: str, title: str) -> str:
    """A standalone SVG document of `text` as QR code; `title` is its accessible name.

    No inline style (the page's CSP) and an xmlns, so the page can show it as an image.
    """
    import segno

    # Error correction M survives a phone camera's glare; border 4 is the quiet zone scanners need.
    code = segno.make(text, error="m", micro=False)
    buffer = io.BytesIO()
    code.save(buffer, kind="svg", scale=5, border=4, title=title, dark="#000", light="#fff",
              xmldecl=False, nl=False, svgclass=None, lineclass=None)
    return buffer.getvalue().decode("utf-8")
