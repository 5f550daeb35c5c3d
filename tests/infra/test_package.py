"""The deployment zip: under 12 MB, only code that runs on Lambda's python3.11 (x86_64, Amazon Linux
2), none of the libraries the runtime provides, and the app importable and working from it alone."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile

import pytest

from infra import package as packaging

RUNTIME_LIBRARIES = ("boto3", "botocore", "s3transfer", "jmespath", "urllib3", "dateutil")


def test_the_zip_is_under_12_mb_and_runs_on_lambda_python311(packaged):
    report = packaging.check_zip(packaged.zip_path)
    assert report.problems == []
    assert report.size < 12_000_000
    print(f"deployment.zip: {report.size / 1e6:.2f} MB")


def test_the_zip_leaves_the_runtimes_own_libraries_out(packaged):
    with zipfile.ZipFile(packaged.zip_path) as archive:
        top_level = {name.split("/", 1)[0] for name in archive.namelist()}
    assert not top_level & set(RUNTIME_LIBRARIES)
    assert {"app.py", "chalicelib", "pynamodb", "cryptography", "reportlab", "segno", "PIL"} <= top_level
    assert "botocore" in packaged.removed


def test_the_app_imports_and_works_from_the_zip_alone(packaged, tmp_path):
    """Unpacked like Lambda does; only boto3/botocore (the runtime's) come from outside the zip."""
    with zipfile.ZipFile(packaged.zip_path) as archive:
        archive.extractall(tmp_path)
    script = """
import importlib, io, os, sys
code = os.environ["CODE"]
import app
assert app.app.app_name == "digitaal-portaal"
from reportlab.lib.pagesizes import A4
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen import canvas
import segno, argon2, pyotp, jinja2
from PIL import Image
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
picture = io.BytesIO()
Image.new("RGB", (8, 8), "white").save(picture, "PNG")
picture.seek(0)
pdf = io.BytesIO()
page = canvas.Canvas(pdf, pagesize=A4)
page.drawImage(ImageReader(picture), 10, 10)
page.drawString(10, 100, "XXXX-XXXX-XXXX-XXXX")
page.save()
assert pdf.getvalue().startswith(b"%PDF")
# The real backup sheet, with the standard fonts only (the zip carries no font files).
from chalicelib.render.pdf import backup_codes_pdf
assert backup_codes_pdf(["ABCD-EFGH-JKLM-NPQR"], "jan.jansen", "nl", 1800000000.0).startswith(b"%PDF")
import authlib.oauth2.rfc6749, authlib.oidc.core, joserfc.jwt, webauthn
assert segno.make("otpauth://totp/x?secret=JBSWY3DP").svg_inline().startswith("<svg")
assert argon2.PasswordHasher(memory_cost=1024, time_cost=1).hash("x").startswith("$argon2id$")
AESGCM(AESGCM.generate_key(bit_length=256)).encrypt(b"0" * 12, b"secret", None)
for name in ("chalicelib", "pynamodb", "reportlab", "segno", "argon2", "PIL", "cryptography", "jinja2", "pyotp",
             "authlib", "joserfc", "webauthn"):
    module = importlib.import_module(name)
    assert module.__file__.startswith(code), (name, module.__file__)
print("ok")
"""
    env = {key: value for key, value in os.environ.items() if not key.startswith("PORTAL_")}
    env.update({"CODE": str(tmp_path), "PYTHONPATH": str(tmp_path), "PORTAL_STAGE": "prod",
                "AWS_DEFAULT_REGION": "us-east-1"})
    result = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith("ok")


@pytest.mark.parametrize("tag, runs", [
    ("py3-none-any", True),
    ("py2.py3-none-any", True),
    ("cp311-cp311-manylinux_2_17_x86_64", True),
    ("cp311-cp311-manylinux2014_x86_64", True),
    ("cp310-abi3-manylinux_2_26_x86_64", True),
    ("cp311-cp311-manylinux_2_28_x86_64", False),  # Amazon Linux 2 has glibc 2.26
    ("cp312-cp312-manylinux_2_17_x86_64", False),
    ("cp311-cp311-manylinux_2_17_aarch64", False),
    ("cp311-cp311-linux_x86_64", False),  # compiled on the packaging machine
    ("cp311-cp311-macosx_11_0_arm64", False),
    ("cp312-abi3-manylinux_2_17_x86_64", False),
])
def test_wheel_tags_are_judged_for_lambda_python311(tag, runs):
    assert packaging.tag_runs_on_lambda(tag) is runs


def _elf(machine: int, glibc: bytes = b"GLIBC_2.17") -> bytes:
    header = bytearray(64)
    header[:4] = b"\x7fELF"
    header[4] = 2  # 64-bit
    header[18:20] = machine.to_bytes(2, "little")
    return bytes(header) + b"\x00" + glibc + b"\x00"


@pytest.mark.parametrize("name, content, problem", [
    ("PIL/_imaging.cpython-311-x86_64-linux-gnu.so", _elf(0x3E), None),
    ("_argon2_cffi_bindings/_ffi.abi3.so", _elf(0x3E, b"GLIBC_2.25"), None),
    ("pillow.libs/libjpeg-02b4d8cf.so.62.4.0", _elf(0x3E), None),
    ("PIL/_imaging.cpython-311-x86_64-linux-gnu.so", _elf(0xB7), "64-bit x86"),
    ("PIL/_imaging.cpython-311-x86_64-linux-gnu.so", _elf(0x3E, b"GLIBC_2.34"), "glibc 2.34"),
    ("PIL/_imaging.cpython-312-x86_64-linux-gnu.so", _elf(0x3E), "another interpreter"),
    ("PIL/_imaging.cpython-311-darwin.so", b"\xcf\xfa\xed\xfe" + bytes(60), "not a Linux"),
])
def test_compiled_files_are_judged_for_lambda_python311(name, content, problem):
    found = packaging.compiled_file_problem(name, content)
    assert (found is None) if problem is None else (problem in found)
