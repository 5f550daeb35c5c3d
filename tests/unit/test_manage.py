"""The operations command's refusals that need no AWS: they come before anything is stored."""

from __future__ import annotations

import os

import pytest

from chalicelib.errors import PortalError


@pytest.fixture
def manage(capsys):
    """chalicelib.manage's main, run in-process; the stage variables it loads are undone afterwards."""
    from chalicelib import manage as command
    from chalicelib.settings import reset_settings

    before = dict(os.environ)

    def run(*argv: str) -> tuple[int, str]:
        code = command.main(["create-user", "--username", "ops.import", "--email", "ops@example.org",
                             "--password", "Correct-Horse-Battery-9", *argv])
        return code, capsys.readouterr().err

    yield run
    os.environ.clear()
    os.environ.update(before)
    reset_settings()


@pytest.mark.parametrize("secret", [
    "JBSWY3DPEHPK3PX",  # 75 bits
    "JBSWY3DPEHPK3PXP",  # 80 bits: what the old portal's apps often used
    "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PX",  # 31 characters: 155 bits
])
def test_a_totp_secret_under_160_bits_is_refused_with_exit_code_1(manage, secret):
    code, error = manage("--totp-secret", secret)
    assert code == 1
    assert error == ("error: The TOTP secret is too short: it must hold at least 160 bits "
                     "(32 base32 characters). (totp_secret)\n")


def test_a_secret_that_is_not_base32_is_refused(manage):
    code, error = manage("--totp-secret", "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PX1")
    assert code == 1
    assert "totp_secret" in error


def test_160_bits_and_more_are_accepted_written_as_apps_show_them():
    from chalicelib.services.accounts import validate_totp_secret

    assert validate_totp_secret("jbsw y3dp ehpk 3pxp jbsw y3dp ehpk 3pxp") == "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
    assert validate_totp_secret("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP") \
        == "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
    with pytest.raises(PortalError) as short:
        validate_totp_secret("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PX")
    assert short.value.extra == {"reason": "totp.secret_too_short"}
