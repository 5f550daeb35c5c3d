"""The demo relying party's check of back-channel logout tokens, with tokens signed by jwcrypto (a
JOSE library independent of the joserfc the check uses)."""

from __future__ import annotations

import base64
import json
import time

import pytest
from jwcrypto import jwk, jwt

from infra.demo_rp import logout_token
from infra.demo_rp.logins import ENDED_BY_PORTAL, Login, Logins

ISSUER = "http://127.0.0.1:8000"
CLIENT = "mijn-aangifte"
EVENT = {"http://schemas.openid.net/event/backchannel-logout": {}}
KEY = jwk.JWK.generate(kty="RSA", size=2048, kid="key-1", alg="RS256", use="sig")
OTHER_KEY = jwk.JWK.generate(kty="RSA", size=2048, kid="key-2", alg="RS256", use="sig")


def jwks(*keys: jwk.JWK) -> dict:
    return {"keys": [json.loads(key.export_public()) for key in keys]}


def sign(claims: dict, key: jwk.JWK = KEY, typ: str | None = "logout+jwt", alg: str = "RS256") -> str:
    header = {"alg": alg, "kid": key["kid"]}
    if typ:
        header["typ"] = typ
    token = jwt.JWT(header=header, claims=claims)
    token.make_signed_token(key)
    return token.serialize()


def claims(**changes: object) -> dict:
    now = int(time.time())
    base = {"iss": ISSUER, "aud": CLIENT, "iat": now, "exp": now + 120, "jti": f"jti-{time.time_ns()}",
            "sub": "subject-1", "sid": "portal-session-1", "events": EVENT}
    base.update(changes)
    return {name: value for name, value in base.items() if value is not None}


def check(token: str, published: dict | None = None, refreshed: dict | None = None) -> logout_token.LogoutRequest:
    def key_set(force: bool) -> dict:
        return (refreshed if force and refreshed else published) or jwks(KEY)

    return logout_token.validate(token, key_set, ISSUER, CLIENT, ["RS256"], lambda: int(time.time()))


def test_a_valid_token_names_the_portal_session_and_subject():
    asked = check(sign(claims()))
    assert (asked.sub, asked.sid) == ("subject-1", "portal-session-1")


def test_a_token_without_typ_is_accepted_one_with_another_typ_is_not():
    assert check(sign(claims(), typ=None)).sid == "portal-session-1"
    with pytest.raises(logout_token.InvalidLogoutToken, match="typ"):
        check(sign(claims(), typ="JWT"))


# Times relative to the moment the test runs (the parameters are built when the module is collected).
@pytest.mark.parametrize("changes, reason", [
    ({"iss": "http://127.0.0.1:9999"}, "claims"),
    ({"aud": "another-client"}, "claims"),
    ({"exp": -3600, "iat": -3700}, "claims"),
    ({"iat": -3600, "exp": 60}, "too long ago"),
    ({"jti": None}, "claims"),
    ({"events": None}, "event"),
    ({"events": {"http://schemas.openid.net/event/backchannel-logout": "yes"}}, "event"),
    ({"nonce": "n-1"}, "nonce"),
    ({"sub": None, "sid": None}, "neither"),
])
def test_a_token_breaking_a_rule_is_refused(changes, reason):
    now = int(time.time())
    timed = {name: now + value if name in ("exp", "iat") else value for name, value in changes.items()}
    with pytest.raises(logout_token.InvalidLogoutToken, match=reason):
        check(sign(claims(**timed)))


def test_a_token_signed_by_a_key_outside_the_jwks_is_refused():
    impostor = jwk.JWK.generate(kty="RSA", size=2048, kid="key-1", alg="RS256")
    with pytest.raises(logout_token.InvalidLogoutToken, match="signature"):
        check(sign(claims(), key=impostor))


def test_an_unsigned_token_is_refused():
    header = {"alg": "none", "typ": "logout+jwt"}

    def part(value: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    with pytest.raises(logout_token.InvalidLogoutToken):
        check(f"{part(header)}.{part(claims())}.")


def test_a_new_key_is_fetched_once_the_published_set_lacks_its_kid():
    assert check(sign(claims(), key=OTHER_KEY), published=jwks(KEY), refreshed=jwks(KEY, OTHER_KEY)).sub == "subject-1"


def test_the_store_ends_the_sessions_of_the_portal_session_and_refuses_a_replayed_token():
    logins = Logins()
    first = logins.start(Login(claims={"sub": "s", "sid": "p1"}, userinfo={}, id_token="x"))
    second = logins.start(Login(claims={"sub": "s", "sid": "p2"}, userinfo={}, id_token="y"))
    other = logins.start(Login(claims={"sub": "t", "sid": "p3"}, userinfo={}, id_token="z"))
    assert logins.end_matching("s", "p1") == 1
    assert logins.get(first) is None and logins.ended_reason(first) == ENDED_BY_PORTAL
    assert logins.get(second) is not None
    assert logins.end_matching("s", None) == 1  # a token with only sub ends every session of the subject
    assert logins.get(second) is None and logins.get(other) is not None
    assert logins.use_token("jti-1", time.time() + 60) is True
    assert logins.use_token("jti-1", time.time() + 60) is False
