"""The 11 steps of "Inloggen met 2FA" with their screenshots: static/guide-step-NN.png, copies of what the
enrollment's browser test saves (`make screenshots` refreshes them, infra/guide_images.py). A step whose
picture is missing is shown without one."""

from __future__ import annotations

import struct
from dataclasses import dataclass

from chalicelib.render.assets import STATIC

STEP_COUNT = 11
# The button each step's text names, as the enrollment page labels it (catalogue keys).
BUTTONS = {1: "login.submit", 2: "mfa.activate_button", 3: "mfa.configure_button", 7: "mfa.manual_button",
           8: "mfa.confirm_button", 9: "mfa.print_button", 10: "mfa.activate_print_button"}


@dataclass(frozen=True)
class GuideStep:
    number: int
    button: str | None
    image: str | None  # file name under static/
    width: int
    height: int


def image_name(number: int) -> str:
    return f"guide-step-{number:02d}.png"


def _png_size(name: str) -> tuple[int, int] | None:
    """Width and height from a PNG's header (the page reserves the space, so nothing jumps)."""
    path = STATIC / name
    if not path.is_file():
        return None
    header = path.read_bytes()[:24]
    if header[:8] != b"\x89PNG\r\n\x1a\n":
        return None
    width, height = struct.unpack(">II", header[16:24])
    return width, height


def _step(number: int) -> GuideStep:
    size = _png_size(image_name(number))
    return GuideStep(number, BUTTONS.get(number), image_name(number) if size else None, *(size or (0, 0)))


GUIDE_STEPS = tuple(_step(number) for number in range(1, STEP_COUNT + 1))
