"""`make package`: the deployable artefacts of one stage in dist/, checked before anyone uploads them.

    python -m infra.package [--stage prod] [--out dist]

1. writes the merge template (infra/template.py) to <out>/resources.json;
2. runs `chalice package --merge-template` into <out>/ (sam.json + deployment.zip);
3. removes from the zip the libraries the Lambda python3.11 runtime already provides (boto3,
   botocore and their dependencies: pynamodb pulls in botocore, 16 MB zipped, that would otherwise
   be shipped twice), Pillow's unused optional codecs, reportlab's font files and other parts the
   portal never imports — chalice packages requirements.txt with all its dependencies and has no
   exclude option;
4. checks the zip: under 12 MB, and only code that runs on Lambda python3.11 x86_64 (every wheel
   tag, every compiled file's architecture and glibc requirement);
5. validates sam.json with cfn-lint (zero errors).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from infra import template

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent  # the tools installed beside this interpreter (the project's .venv)
MAX_ZIP_BYTES = 12_000_000  # 12 MB
# Provided by the python3.11 runtime (boto3 and everything it depends on).
RUNTIME_PROVIDED = ("boto3", "botocore", "s3transfer", "jmespath", "urllib3", "dateutil", "python_dateutil", "six")
# Pillow's optional codecs that the portal never uses (it writes PDFs with reportlab and SVG QR
# codes with segno): AVIF and WebP images and FreeType text drawing, with the libraries only they
# load. Pillow imports each lazily and reports it unavailable when absent. 5 MB zipped.
# reportlab's font files (Type 1 and TrueType): the backup sheet uses the standard PDF fonts
# (Helvetica, Courier), whose metrics live in reportlab.pdfbase and which the reader supplies; 1.2 MB.
# The client side of Authlib (integrations for requests, httpx, Flask, Django): the provider uses none.
UNUSED_FILES = re.compile(
    r"^(PIL/_(avif|webp|imagingft)\.[^/]*\.so"
    r"|pillow\.libs/lib(avif|webp|webpmux|webpdemux|sharpyuv|freetype|harfbuzz|brotlidec|brotlicommon|png16)-[^/]*"
    r"|reportlab/fonts/.*|authlib/integrations/.*)$")
# Whole libraries that come with a dependency but that nothing the portal calls imports:
# charset_normalizer is imported only by reportlab's XML parser (reportlab.lib.rparsexml).
UNUSED_PACKAGES = ("charset_normalizer",)
# The python3.11 runtime runs on Amazon Linux 2: glibc 2.26, x86_64 (chalice's default architecture).
MAX_GLIBC = (2, 26)
PYTHON_TAG = 311
ELF_MACHINE_X86_64 = 0x3E


@dataclass
class ZipReport:
    size: int
    removed: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def _top_level(name: str) -> str:
    first = name.split("/", 1)[0]
    for suffix in (".py", ".dist-info", ".data"):
        if first.endswith(suffix):
            return re.split(r"-\d", first[: -len(suffix)], maxsplit=1)[0].lower().replace("-", "_")
    return first.lower()


def slim(zip_path: Path) -> list[str]:
    """Rewrite the zip without the runtime-provided libraries; returns the removed top-level names."""
    slimmed = zip_path.with_suffix(".slim")
    removed: set[str] = set()
    with zipfile.ZipFile(zip_path) as source, zipfile.ZipFile(slimmed, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            if _top_level(info.filename) in RUNTIME_PROVIDED + UNUSED_PACKAGES:
                removed.add(info.filename.split("/", 1)[0])
                continue
            if UNUSED_FILES.match(info.filename):
                removed.add("/".join(info.filename.split("/")[:2]))  # a file, or the folder it is in
                continue
            target.writestr(info, source.read(info), compress_type=zipfile.ZIP_DEFLATED, compresslevel=9)
    slimmed.replace(zip_path)
    return sorted(removed)


def _manylinux_ok(platform: str) -> bool:
    if platform in ("manylinux1_x86_64", "manylinux2010_x86_64", "manylinux2014_x86_64"):
        return True
    match = re.fullmatch(r"manylinux_(\d+)_(\d+)_x86_64", platform)
    return bool(match) and (int(match.group(1)), int(match.group(2))) <= MAX_GLIBC


def tag_runs_on_lambda(tag: str) -> bool:
    """Whether a wheel tag (python-abi-platform) can be imported by Lambda's python3.11 on x86_64."""
    python, abi, platform = tag.split("-")
    if platform == "any":
        return abi == "none" and any(part in ("py3", "py2.py3") or part.startswith("py3") for part in python.split("."))
    cpython = re.fullmatch(r"cp3(\d+)", python)
    if not cpython or not _manylinux_ok(platform):
        return False
    if abi == "abi3":
        return int("3" + cpython.group(1)) <= PYTHON_TAG
    return abi == f"cp{PYTHON_TAG}" and python == f"cp{PYTHON_TAG}"


def compiled_file_problem(name: str, content: bytes) -> str | None:
    """Why a compiled file would not load on Lambda python3.11 x86_64 (None when it would)."""
    if content[:4] != b"\x7fELF":
        return f"{name}: not a Linux (ELF) library"
    if content[4] != 2 or int.from_bytes(content[18:20], "little") != ELF_MACHINE_X86_64:
        return f"{name}: not built for 64-bit x86"
    needed = [tuple(int(part) for part in found.split(b".")) for found in re.findall(rb"GLIBC_(2\.\d+)", content)]
    if needed and max(needed) > MAX_GLIBC:
        return f"{name}: needs glibc {'.'.join(map(str, max(needed)))} (Lambda python3.11 has 2.26)"
    module = name.rsplit("/", 1)[-1]
    is_bundled_library = ".libs/" in name or re.search(r"\.so\.\d", module)
    extension = re.search(r"\.(cpython-(\d+)-x86_64-linux-gnu|abi3)\.so$", module)
    if not is_bundled_library and (not extension or (extension.group(2) and extension.group(2) != str(PYTHON_TAG))):
        return f"{name}: a Python extension for another interpreter or platform"
    return None


def check_zip(zip_path: Path) -> ZipReport:
    report = ZipReport(size=zip_path.stat().st_size)
    if report.size >= MAX_ZIP_BYTES:
        report.problems.append(f"deployment.zip is {report.size / 1e6:.2f} MB; the limit is 12 MB")
    with zipfile.ZipFile(zip_path) as archive:
        for info in archive.infolist():
            name = info.filename
            if name.endswith(".dist-info/WHEEL"):
                tags = [line.split(":", 1)[1].strip() for line in archive.read(info).decode().splitlines()
                        if line.startswith("Tag:")]
                if not any(tag_runs_on_lambda(tag) for tag in tags):
                    report.problems.append(f"{name}: wheel tags {tags} do not run on Lambda python3.11 x86_64")
            elif re.search(r"\.so(\.|$)", name.rsplit("/", 1)[-1]) or name.endswith((".pyd", ".dylib")):
                problem = compiled_file_problem(name, archive.read(info))
                if problem:
                    report.problems.append(problem)
    return report


def cfn_lint(template_path: Path) -> subprocess.CompletedProcess:
    """cfn-lint with errors only (warnings are advice, not failures)."""
    return subprocess.run(  # noqa: S603 - fixed argument list, no shell
        [str(BIN / "cfn-lint"), "--format", "parseable", "--non-zero-exit-code", "error",
         str(template_path)], capture_output=True, text=True, timeout=300)


def package(stage: str, out: Path) -> Path:
    """Run chalice package with the merge template; returns the path of the generated template."""
    out.mkdir(parents=True, exist_ok=True)
    merge = out / "resources.json"
    merge.write_text(json.dumps(template.build(stage), indent=2) + "\n", encoding="utf-8")
    # chalice package needs a region to name ARNs, never credentials.
    env = {**os.environ, "AWS_DEFAULT_REGION": os.environ.get("AWS_DEFAULT_REGION", "us-east-1")}
    subprocess.run(  # noqa: S603 - fixed argument list, no shell
        [str(BIN / "chalice"), "package", "--stage", stage, "--merge-template", str(merge), str(out)],
        cwd=ROOT, env=env, check=True, timeout=600)
    return out / "sam.json"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.package")
    parser.add_argument("--stage", default="prod")
    parser.add_argument("--out", default=str(ROOT / "dist"))
    args = parser.parse_args(argv)
    out = Path(args.out)
    template_path = package(args.stage, out)
    zip_path = out / "deployment.zip"
    removed = slim(zip_path)
    print(f"removed from the zip: {', '.join(removed)}")
    report = check_zip(zip_path)
    lint = cfn_lint(template_path)
    print(f"{zip_path}: {report.size / 1e6:.2f} MB ({report.size} bytes; limit 12 MB)")
    for problem in report.problems:
        print(f"zip: {problem}", file=sys.stderr)
    if lint.stdout.strip():
        print(lint.stdout, end="")
    print(f"cfn-lint {template_path}: {'no errors' if lint.returncode == 0 else 'ERRORS'}")
    return 0 if not report.problems and lint.returncode == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
