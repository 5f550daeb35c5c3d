"""The printable backup-code sheet: an A4 PDF made in memory with reportlab (imported here only, on
first use), in the owner's language. It never touches the disk on our side."""

from __future__ import annotations

import io

from chalicelib.clock import portal_time
from chalicelib.i18n import t


def backup_codes_pdf(codes: list[str], username: str, lang: str, created_at: float) -> bytes:
    """Title, account, date, the codes large and numbered, how to use them, and not to store the file."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.pdfgen.canvas import Canvas

    buffer = io.BytesIO()
    width, height = A4
    canvas = Canvas(buffer, pagesize=A4, pageCompression=1)
    canvas.setTitle(t("mfa.pdf.title", lang))
    canvas.setSubject(t("mfa.pdf.title", lang))
    left = 25 * mm
    y = height - 30 * mm

    canvas.setFont("Helvetica-Bold", 20)
    canvas.drawString(left, y, t("mfa.pdf.title", lang))
    y -= 10 * mm
    canvas.setFont("Helvetica", 11)
    canvas.drawString(left, y, t("mfa.pdf.authority", lang))
    y -= 7 * mm
    canvas.drawString(left, y, t("mfa.pdf.account", lang, username=username))
    y -= 6 * mm
    canvas.drawString(left, y, t("mfa.pdf.date", lang, date=portal_time(created_at)))

    y -= 16 * mm
    for number, code in enumerate(codes, start=1):
        canvas.setFont("Helvetica", 14)
        canvas.drawRightString(left + 10 * mm, y, f"{number}.")
        canvas.setFont("Courier-Bold", 20)
        canvas.drawString(left + 15 * mm, y, code)
        y -= 11 * mm

    y -= 6 * mm
    for key in ("mfa.pdf.use", "mfa.pdf.once", "mfa.pdf.new_list"):
        y = _paragraph(canvas, t(key, lang), left, y, width - 2 * left, "Helvetica", 11)
        y -= 3 * mm
    _paragraph(canvas, t("mfa.pdf.do_not_store", lang), left, y - 3 * mm, width - 2 * left, "Helvetica-Bold", 12)

    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def _paragraph(canvas, text: str, x: float, y: float, max_width: float, font: str,  # type: ignore[no-untyped-def]
               size: float) -> float:
    """Draw `text` in `font` wrapped to `max_width`; returns the y below it."""
    from reportlab.lib.utils import simpleSplit

    canvas.setFont(font, size)
    for line in simpleSplit(text, font, size, max_width):
        canvas.drawString(x, y, line)
        y -= size * 1.45
    return y
