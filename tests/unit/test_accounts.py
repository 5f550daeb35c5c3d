"""services/accounts.py: the rules every flow shares for names, addresses, CRIB numbers, roles and
imported TOTP secrets, and account creation (one account per name and per CRIB, nothing stored on a
refusal)."""

from __future__ import annotations

import pytest
from cryptography.exceptions import InvalidTag

from chalicelib.errors import ErrorCode, PortalError
from chalicelib.services import accounts
from chalicelib.storage.users import crib_owner, get_user

SECRET_160_BITS = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def _refusal(call, *args, **kwargs) -> PortalError:  # type: ignore[no-untyped-def]
    with pytest.raises(PortalError) as refused:
        call(*args, **kwargs)
    return refused.value


@pytest.mark.parametrize(("typed", "name"), [
    (" Jan.Jansen ", "jan.jansen"), ("abc", "abc"), ("a" * 64, "a" * 64), ("jan@firm-1_x", "jan@firm-1_x"),
    ("ab", None), ("a" * 65, None), (".jan", None), ("jan jansen", None), ("jan+x", None), ("jän", None),
])
def test_usernames_are_3_to_64_of_a_small_alphabet_case_insensitive(typed, name):
    if name is None:
        refusal = _refusal(accounts.validate_username, typed)
        assert (refusal.code, refusal.field) == (ErrorCode.INVALID_REQUEST, "username")
    else:
        assert accounts.validate_username(typed) == name


def test_an_address_of_254_characters_is_accepted_and_255_refused():
    domain = ".".join(["a" * 60, "b" * 60, "c" * 60, "d" * 6])
    longest = "x" * 64 + "@" + domain
    assert len(longest) == 254
    assert accounts.validate_email(f" {longest} ") == longest
    for address in (longest + "e", "y" * 65 + "@example.org", "<jan>@example.org", "jan@localhost", "jan@@x.org"):
        refusal = _refusal(accounts.validate_email, address)
        assert (refusal.code, refusal.field) == (ErrorCode.INVALID_EMAIL, "email"), address
    assert accounts.normalize_email(" Jan@Example.ORG ") == "jan@example.org"


def test_a_crib_is_exactly_nine_digits_and_is_masked_to_its_last_three():
    assert accounts.validate_crib("123456782") == "123456782"
    for crib in ("12345678", "1234567890", "12345678x", "", None):
        refusal = _refusal(accounts.validate_crib, crib, field="client_crib")
        assert (refusal.code, refusal.field) == (ErrorCode.INVALID_REQUEST, "client_crib")
    assert (accounts.mask_crib("123456782"), accounts.mask_crib(None), accounts.mask_crib("")) == (
        "******782", None, None)


def test_an_imported_totp_secret_needs_160_bits():
    assert accounts.validate_totp_secret("jbsw y3dp ehpk 3pxp jbsw y3dp ehpk 3pxp") == SECRET_160_BITS
    short = _refusal(accounts.validate_totp_secret, SECRET_160_BITS[:24])  # 120 bits
    assert (short.field, short.extra) == ("totp_secret", {"reason": "totp.secret_too_short"})
    for secret in ("not base32!", "", "18181818"):
        assert _refusal(accounts.validate_totp_secret, secret).field == "totp_secret"


def test_a_created_account_is_stored_with_its_secret_sealed_to_its_owner(aws, clock_pinned):
    user = accounts.create_account("Jan.Jansen", "Jan@Example.org", None, roles=["taxpayer", "representative"],
                                   crib="123456782", totp_secret=SECRET_160_BITS, firm_name="Jansen B.V.",
                                   language="pap")
    stored = get_user("jan.jansen")
    assert (stored.email, stored.email_normalized, stored.roles, stored.password_hash, stored.created_at) == (
        "Jan@Example.org", "jan@example.org", {"taxpayer", "representative"}, None, 1_800_000_000)
    assert crib_owner("123456782") == "jan.jansen"
    assert SECRET_160_BITS not in stored.totp_secret
    assert accounts.open_totp_secret("jan.jansen", stored.totp_secret) == SECRET_160_BITS
    with pytest.raises(InvalidTag):  # sealed to its owner: under another name it does not open
        accounts.open_totp_secret("els", stored.totp_secret)
    assert accounts.profile(user) == {
        "username": "jan.jansen", "email": "Jan@Example.org", "roles": ["representative", "taxpayer"],
        "crib": "123456782", "language": "pap", "firm_name": "Jansen B.V.",
        "mfa": {"enabled": True, "backup_codes_left": 0, "passkeys": 0}}


def test_a_taken_name_or_crib_is_refused_and_the_first_account_is_kept(aws):
    accounts.create_account("jan.jansen", "jan@example.org", None, crib="123456782")
    taken = _refusal(accounts.create_account, "JAN.JANSEN", "other@example.org", None)
    assert (taken.code, taken.field) == (ErrorCode.USERNAME_TAKEN, "username")
    assert get_user("jan.jansen").email == "jan@example.org"
    crib = _refusal(accounts.create_account, "els", "els@example.org", None, crib="123456782")
    assert (crib.code, crib.field) == (ErrorCode.CRIB_TAKEN, "crib")
    assert (get_user("els"), crib_owner("123456782")) == (None, "jan.jansen")


INVALID_DATA = [
    ({"roles": []}, ErrorCode.INVALID_REQUEST, "roles"),
    ({"roles": ["taxpayer", "root"]}, ErrorCode.INVALID_REQUEST, "roles"),
    ({"crib": "1234"}, ErrorCode.INVALID_REQUEST, "crib"),
    ({"password": "short"}, ErrorCode.WEAK_PASSWORD, "password"),
    ({"password": "els@example.org-and-more"}, ErrorCode.WEAK_PASSWORD, "password"),
    ({"totp_secret": "JBSWY3DP"}, ErrorCode.INVALID_REQUEST, "totp_secret"),
    ({"email": "els"}, ErrorCode.INVALID_EMAIL, "email"),
]


def test_invalid_account_data_stores_nothing(aws):
    for arguments, code, field in INVALID_DATA:
        values = {"email": "els@example.org", "password": None, "crib": "123456782", **arguments}
        refusal = _refusal(accounts.create_account, "els", **values)
        assert (refusal.code, refusal.field) == (code, field), arguments
    assert (get_user("els"), crib_owner("123456782")) == (None, None)
