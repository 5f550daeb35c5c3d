"""Reading the backup-code sheet the way a person would: pdftotext (poppler-utils) on the PDF."""

from __future__ import annotations

import re
import subprocess

CODE = re.compile(r"\b[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}\b")


def sheet_text(pdf: bytes) -> str:
    """The sheet's words in reading order, on one line (wrapping depends on the language)."""
    assert pdf.startswith(b"%PDF-"), pdf[:20]
    text = subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True,
                          timeout=30).stdout.decode("utf-8")
    return " ".join(text.split())


def codes_in(pdf: bytes) -> list[str]:
    """Every backup code printed on the sheet, in order."""
    return CODE.findall(sheet_text(pdf))
