"""The pictures of "Inloggen met 2FA": the enrollment's browser test saves the main content of each of the
11 steps (tests/e2e/test_enrollment_browser.py, test-output/screenshots/guide-step-NN.png); this copies
them into the static files, scaled down to the width the guide shows them at, so the page always shows
the portal as it is. Run by `make screenshots`.

Usage: python -m infra.guide_images [--from test-output/screenshots]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from chalicelib.render.assets import STATIC
from chalicelib.render.guide import STEP_COUNT, image_name

ROOT = Path(__file__).resolve().parents[1]
WIDTH = 720  # CSS pixels the guide gives a picture at most (40rem)


def copy_pictures(source: Path, target: Path = STATIC) -> list[Path]:
    from PIL import Image

    written = []
    for number in range(1, STEP_COUNT + 1):
        found = source / image_name(number)
        if not found.is_file():
            raise FileNotFoundError(f"{found} is missing: run tests/e2e/test_enrollment_browser.py first")
        with Image.open(found) as picture:
            picture = picture.convert("RGB")
            if picture.width > WIDTH:
                picture = picture.resize((WIDTH, round(picture.height * WIDTH / picture.width)), Image.LANCZOS)
            destination = target / image_name(number)
            picture.save(destination, format="PNG", optimize=True)
        written.append(destination)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.guide_images")
    parser.add_argument("--from", dest="source", default=str(ROOT / "test-output" / "screenshots"))
    args = parser.parse_args(argv)
    for path in copy_pictures(Path(args.source)):
        print(f"{path.relative_to(ROOT)}  {path.stat().st_size // 1024} KiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
