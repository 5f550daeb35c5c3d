"""security/totp.py: RFC 6238 / RFC 4226 test vectors, the ±1 step window, the newest-step rule the
replay guard relies on and the otpauth URI of the Key URI Format."""

from __future__ import annotations

import base64
from urllib.parse import parse_qs, unquote, urlsplit

import pyotp
import pytest

from chalicelib.security import totp

# RFC 6238 Appendix B: the SHA-1 seed is the ASCII string "12345678901234567890"; 8-digit codes.
RFC6238_SEED = b"12345678901234567890"
RFC6238_SHA1 = [
    (59, "94287082"),
    (1111111109, "07081804"),
    (1111111111, "14050471"),
    (1234567890, "89005924"),
    (2000000000, "69279037"),
    (20000000000, "65353130"),
]
# RFC 4226 Appendix D: HOTP values for counters 0..9 with the same seed, 6 digits.
RFC4226 = ["755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583", "399871", "520489"]
PINNED = 1_800_000_000.0
SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


@pytest.mark.parametrize(("timestamp", "expected"), RFC6238_SHA1)
def test_rfc6238_appendix_b_sha1_vectors(timestamp, expected):
    # The vectors have 8 digits; a 6-digit code is the same value modulo 10^6, i.e. its last six digits.
    assert totp.matching_step(RFC6238_SEED, expected[-6:], timestamp) == timestamp // 30


def test_rfc4226_appendix_d_hotp_vectors_as_time_steps():
    # TOTP is HOTP of the time step: counter n is the step of the moments n*30 .. n*30+29.
    for counter, expected in enumerate(RFC4226):
        assert totp.matching_step(RFC6238_SEED, expected, counter * 30 + 15, window=0) == counter


def test_a_code_that_matches_two_steps_gives_the_later_one():
    # With the RFC seed, counters 153567 and 153569 share the code 468457 (found by search); at step
    # 153568 both are within the window, and only the later one keeps the replay guard tight.
    reference = pyotp.TOTP(base64.b32encode(RFC6238_SEED).decode())
    assert reference.at(153567 * 30) == reference.at(153569 * 30) == "468457"
    assert totp.matching_step(RFC6238_SEED, "468457", 153568 * 30 + 15) == 153569


def test_one_step_either_side_is_accepted_two_steps_are_not():
    secret = totp.new_secret()
    key = totp.decode_secret(secret)
    now_step = totp.time_step(PINNED)
    reference = pyotp.TOTP(secret)
    for offset, accepted in ((-2, False), (-1, True), (0, True), (1, True), (2, False)):
        code = reference.at(PINNED + offset * 30)
        step = totp.matching_step(key, code, PINNED)
        if accepted:
            assert step == now_step + offset, offset
        else:
            assert step is None, offset


def test_malformed_codes_never_match():
    key = totp.decode_secret(totp.new_secret())
    for code in ("", "12345", "1234567", "12a456", "١٢٣٤٥٦", "      "):
        assert totp.matching_step(key, code, PINNED) is None


def test_spaces_as_apps_show_them_are_ignored():
    secret = totp.new_secret()
    code = pyotp.TOTP(secret).at(PINNED)
    assert totp.matching_step(totp.decode_secret(secret), f" {code[:3]} {code[3:]} ", PINNED) is not None


def test_new_secrets_are_160_bit_base32():
    secrets_seen = {totp.new_secret() for _ in range(50)}
    assert len(secrets_seen) == 50
    for secret in secrets_seen:
        assert len(secret) == 32 and secret.isupper()
        assert len(base64.b32decode(secret)) == 20


def test_decode_tolerates_case_spaces_and_missing_padding():
    assert totp.decode_secret("jbsw y3dp ehpk 3pxp") == base64.b32decode("JBSWY3DPEHPK3PXP")
    assert totp.decode_secret("MZXW6") == b"foo"


def test_provisioning_uri_follows_the_key_uri_format():
    uri = totp.provisioning_uri(SECRET, "jan.jansen", "Belastingdienst Curaçao")
    parts = urlsplit(uri)
    assert (parts.scheme, parts.netloc) == ("otpauth", "totp")
    assert unquote(parts.path) == "/Belastingdienst Curaçao:jan.jansen"
    query = parse_qs(parts.query)
    # SHA-1, 6 digits and 30 s are the format's defaults, so the URI leaves them out.
    assert query == {"secret": [SECRET], "issuer": ["Belastingdienst Curaçao"]}
    parsed = pyotp.parse_uri(uri)
    assert (parsed.secret, parsed.issuer, parsed.name) == (SECRET, "Belastingdienst Curaçao", "jan.jansen")
    assert (parsed.digits, parsed.interval, parsed.digest().name) == (6, 30, "sha1")


def test_colons_never_appear_inside_issuer_or_account():
    uri = totp.provisioning_uri(SECRET, "a:b@c", "Belasting: dienst")
    label = unquote(urlsplit(uri).path)[1:]
    assert label.count(":") == 1
    issuer, account = label.split(":")
    assert issuer == "Belasting dienst" and account == "ab@c"
    assert parse_qs(urlsplit(uri).query)["issuer"] == ["Belasting dienst"]
    assert "%20" in uri and "+" not in uri
