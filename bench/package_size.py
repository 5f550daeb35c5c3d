"""Deployment package size: the zip `make package` builds, against the same app packaged naively
(`chalice package` with every requirement bundled, boto3 and botocore included, as a default set-up
would ship it). Lambda downloads and unpacks the zip on every cold start of a new instance."""

from __future__ import annotations

import importlib.metadata
import shutil
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

# What the python3.11 runtime already provides but a naive package bundles as well (chalice
# package bundles botocore already, as pynamodb's dependency).
RUNTIME_LIBRARIES = ("boto3", "s3transfer")


@dataclass(frozen=True)
class Size:
    zipped: int
    unzipped: int


@dataclass(frozen=True)
class PackageFigures:
    package: Size
    naive: Size


def size(zip_path: Path) -> Size:
    with zipfile.ZipFile(zip_path) as archive:
        return Size(zip_path.stat().st_size, sum(info.file_size for info in archive.infolist()))


def _add_runtime_libraries(zip_path: Path, work: Path) -> None:
    """Add the installed boto3 and s3transfer, as wheels from the package index, to a zip."""
    pins = [f"{name}=={importlib.metadata.version(name)}" for name in RUNTIME_LIBRARIES]
    download = subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
                               "--only-binary=:all:", "-d", str(work / "wheels"), *pins],
                              capture_output=True, text=True, timeout=300)
    if download.returncode:
        raise RuntimeError(f"pip download {' '.join(pins)} failed: {download.stderr[-2000:]}")
    with zipfile.ZipFile(zip_path, "a", zipfile.ZIP_DEFLATED) as naive:
        for wheel in sorted((work / "wheels").glob("*.whl")):
            with zipfile.ZipFile(wheel) as source:
                for info in source.infolist():
                    naive.writestr(info, source.read(info), compress_type=zipfile.ZIP_DEFLATED)


def measure(stage: str = "prod") -> PackageFigures:
    from infra import package

    with tempfile.TemporaryDirectory(prefix="bench-package-") as folder:
        work = Path(folder)
        package.package(stage, work)  # chalice package, as `make package` runs it
        deployment = work / "deployment.zip"
        naive = work / "naive.zip"
        shutil.copyfile(deployment, naive)
        _add_runtime_libraries(naive, work)
        package.slim(deployment)  # what `make package` leaves out
        return PackageFigures(size(deployment), size(naive))
