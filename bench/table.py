"""The one results table `make bench` prints: every figure next to its floor or target."""

from __future__ import annotations

from dataclasses import dataclass

HEADER = ("area", "figure", "measured", "floor / target", "verdict")


@dataclass(frozen=True)
class Row:
    area: str
    figure: str
    measured: str
    floor: str
    verdict: str = ""  # "ok", "MISSED", or a plain comparison where no target is set

    def cells(self) -> tuple[str, ...]:
        return (self.area, self.figure, self.measured, self.floor, self.verdict)


def verdict(holds: bool) -> str:
    return "ok" if holds else "MISSED"


def text(rows: list[Row]) -> str:
    widths = [max(len(cells[column]) for cells in [HEADER, *(row.cells() for row in rows)])
              for column in range(len(HEADER))]

    def line(cells: tuple[str, ...]) -> str:
        return "  ".join(cell.ljust(width) for cell, width in zip(cells, widths, strict=True)).rstrip()

    rule = "  ".join("-" * width for width in widths)
    return "\n".join([line(HEADER), rule, *(line(row.cells()) for row in rows)])


def markdown(rows: list[Row]) -> str:
    def line(cells: tuple[str, ...]) -> str:
        return "| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |"

    return "\n".join([line(HEADER), "|" + "---|" * len(HEADER), *(line(row.cells()) for row in rows)])
