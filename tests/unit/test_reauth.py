"""services/reauth.py against moto with a pinned clock: the re-check before a sensitive change asks
the password and, with 2FA active, a code; the password is checked first, each on its own lockout
counter, and a TOTP step works once."""

from __future__ import annotations

import pyotp
import pytest

from chalicelib import clock
from chalicelib.errors import ErrorCode, PortalError
from chalicelib.services import lockout, reauth
from chalicelib.services.accounts import create_account
from chalicelib.services.audit import RequestContext
from chalicelib.storage.users import get_user

CONTEXT = RequestContext(ip="192.0.2.7")
PASSWORD = "Correct-Horse-Battery-9"
SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


@pytest.fixture
def jan(aws, clock_pinned):
    return create_account("jan.jansen", "jan@example.org", PASSWORD, totp_secret=SECRET)


def _code() -> str:
    return pyotp.TOTP(SECRET).at(clock.now())


def _refusal(user, password: str, code: str | None, **options: str) -> PortalError:  # type: ignore[no-untyped-def]
    with pytest.raises(PortalError) as refused:
        reauth.reauthenticate(user, password, code, CONTEXT, **options)
    return refused.value


def _failures() -> tuple[int, int]:
    status = lockout.status("jan.jansen")
    return status["failures"], status["second_factor_failures"]


def test_the_password_and_a_current_code_pass(jan):
    reauth.reauthenticate(jan, PASSWORD, _code(), CONTEXT)
    assert _failures() == (0, 0)


def test_without_2fa_the_password_alone_passes(aws):
    user = create_account("els", "els@example.org", PASSWORD)
    reauth.reauthenticate(user, PASSWORD, None, CONTEXT)
    refusal = _refusal(user, "wrong password here", None, field="current_password")
    assert (refusal.code, refusal.field) == (ErrorCode.INVALID_CREDENTIALS, "current_password")


def test_a_missing_code_is_400_naming_code_before_the_password_is_counted(jan):
    for code in (None, "", "   "):
        refusal = _refusal(jan, "wrong password here", code)
        assert (refusal.code, refusal.field) == (ErrorCode.INVALID_REQUEST, "code")
    assert _failures() == (0, 0)


def test_a_wrong_password_counts_on_the_password_counter_and_spends_no_code(jan):
    code = _code()
    refusal = _refusal(jan, "wrong password here", code, field="current_password")
    assert (refusal.code, refusal.field) == (ErrorCode.INVALID_CREDENTIALS, "current_password")
    assert _failures() == (1, 0)
    reauth.reauthenticate(get_user("jan.jansen"), PASSWORD, code, CONTEXT)  # the code is still unused


def test_a_wrong_code_is_401_naming_code_on_the_second_factor_counter(jan):
    wrong = "000000" if _code() != "000000" else "111111"
    refusal = _refusal(jan, PASSWORD, wrong)
    assert (refusal.code, refusal.field) == (ErrorCode.INVALID_CODE, "code")
    assert _failures() == (0, 1)


def test_a_totp_step_works_once(jan):
    code = _code()
    reauth.reauthenticate(jan, PASSWORD, code, CONTEXT)
    refusal = _refusal(get_user("jan.jansen"), PASSWORD, code)
    assert (refusal.code, refusal.field) == (ErrorCode.INVALID_CODE, "code")
