"""Passkeys (WebAuthn): a phishing-resistant second factor beside the authenticator app.

The protocol work (CBOR, COSE keys, attestation, signatures, origin and relying-party checks) is the
`webauthn` library's; this module holds the portal's rules around it (docs/security.md "Passkeys"):

- Registration is a sensitive change: the password and the current second factor are re-asked
  (services/reauth.py) before options are handed out. At most PASSKEY_LIMIT per account.
- Every ceremony answers a challenge that is stored server-side for the session that asked, lives
  CHALLENGE_SECONDS, and is consumed by the conditional write that accepts the answer: a replayed or
  parallel answer finds it gone. A failed answer discards it as well.
- The relying-party id and the expected origin are the stage's own origin (the configured public
  origin; the request's host only in the local stage), never anything the browser claims.
- A login attempt is claimed on the second-factor lockout counter like a TOTP code
  (services/lockout.py), and the login itself is one transaction like the other second steps
  (storage/second_factors.commit_passkey_login), with the passkey's counter and the session's `amr`.
- A signature counter that did not go up (unless the authenticator keeps none: 0 and 0) means the
  key may have been copied: refused, audited as `counter_regression` and reported to the owner.
- A passkey may be removed only while another second factor remains (TOTP active or another passkey).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import unicodedata
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from chalicelib import clock
from chalicelib.errors import ErrorCode, PortalError
from chalicelib.services import device_notices, lockout, notifications, reauth, second_factor
from chalicelib.services.audit import RequestContext, new_event
from chalicelib.services.lockout import Factor
from chalicelib.services.second_factor import StepUp
from chalicelib.services.sessions import Authenticated
from chalicelib.storage import passkeys as store
from chalicelib.storage import second_factors
from chalicelib.storage.base import Conflict
from chalicelib.storage.keys import get_keys
from chalicelib.storage.passkeys import Passkey, PasskeyChallenge
from chalicelib.storage.users import User

CHALLENGE_SECONDS = 300
PASSKEY_LIMIT = 10
NAME_MAX = 64
# Longest stored credential id (base64url of 700 bytes): well inside DynamoDB's 1024-byte sort key.
# WebAuthn allows up to 1023 bytes; authenticators in use stay far below.
ID_MAX = 934
RP_NAME = "Digitaal Portaal"
# WebAuthn's AuthenticatorTransport values: the ones kept of what a browser reports.
KNOWN_TRANSPORTS = frozenset({"usb", "nfc", "ble", "smart-card", "hybrid", "internal", "cable"})


def _library():  # type: ignore[no-untyped-def]
    """py_webauthn, imported on first use: it loads cryptography and cbor2, which importing the app
    (every cold start) must not pay for (tests/unit/test_cold_imports.py)."""
    import webauthn
    import webauthn.helpers.structs

    return webauthn


def _unacceptable() -> tuple[type[Exception], ...]:
    """What py_webauthn raises for answers it cannot parse or accept: a client's junk is never a 500."""
    from webauthn.helpers.exceptions import WebAuthnException

    return (WebAuthnException, ValueError, TypeError, KeyError, AttributeError)


def _b64(data: bytes) -> str:
    return _library().helpers.bytes_to_base64url(data)


@dataclass(frozen=True)
class RelyingParty:
    rp_id: str
    origin: str


def relying_party(context: RequestContext) -> RelyingParty:
    """The stage's own origin (api/http.py origin(): the configured public origin outside the local
    stage) and its host as the relying-party id."""
    if not context.origin:
        raise RuntimeError("PORTAL_PUBLIC_ORIGIN must be set outside the local stage")
    host = urlsplit(context.origin).hostname
    if not host:
        raise RuntimeError("the portal's origin has no host")
    return RelyingParty(host, context.origin)


def view(passkey: Passkey) -> dict:
    """What the owner sees of a passkey (never its key)."""
    return {
        "id": passkey.credential_id,
        "name": passkey.name,
        "created_at": int(passkey.created_at),
        "last_used": int(passkey.last_used) if passkey.last_used else None,
        "transports": sorted(passkey.transports or []),
    }


def list_for(user: User) -> list[dict]:
    return [view(passkey) for passkey in sorted(store.passkeys_of(user.username), key=lambda p: p.created_at)]


# ---------------------------------------------------------------- registration


def registration_options(current: Authenticated, password: str, code: str | None,
                         context: RequestContext) -> dict:
    """Options for navigator.credentials.create(), after the password and the current second factor."""
    user = current.user
    reauth.reauthenticate(user, password, code, context, field="password")
    existing = store.passkeys_of(user.username)
    if len(existing) >= PASSKEY_LIMIT:
        raise PortalError(ErrorCode.PASSKEY_LIMIT)
    party = relying_party(context)
    challenge = _new_challenge(current, store.REGISTER)
    webauthn = _library()
    structs = webauthn.helpers.structs
    options = webauthn.generate_registration_options(
        rp_id=party.rp_id, rp_name=RP_NAME, user_name=user.username, user_id=_user_handle(user.username),
        challenge=challenge, timeout=CHALLENGE_SECONDS * 1000,
        authenticator_selection=structs.AuthenticatorSelectionCriteria(
            resident_key=structs.ResidentKeyRequirement.PREFERRED,
            user_verification=structs.UserVerificationRequirement.PREFERRED),
        exclude_credentials=[_descriptor(passkey) for passkey in existing])
    return json.loads(webauthn.options_to_json(options))


def register(current: Authenticated, credential: dict, name: str, context: RequestContext) -> dict:
    """Store the credential the browser created for the session's latest registration options."""
    user = current.user
    label = clean_name(name)
    stored = _outstanding(current, store.REGISTER)
    party = relying_party(context)
    webauthn = _library()
    try:
        verified = webauthn.verify_registration_response(
            credential=credential, expected_challenge=webauthn.base64url_to_bytes(stored.challenge),
            expected_rp_id=party.rp_id, expected_origin=party.origin)
    except _unacceptable():
        store.discard_challenge(stored.session_hash)
        raise PortalError(ErrorCode.PASSKEY_REFUSED) from None
    if len(_b64(verified.credential_id)) > ID_MAX:
        raise PortalError(ErrorCode.PASSKEY_REFUSED)
    now = int(clock.now())
    passkey = Passkey(user.username, _b64(verified.credential_id),
                      public_key=_b64(verified.credential_public_key),
                      sign_count=verified.sign_count, transports=_transports(credential), name=label,
                      created_at=now, user_verified=int(verified.user_verified))
    event = new_event("passkey.added", actor=user.username, target=user.username, outcome="success",
                      context=context, details={"passkey": label})
    try:
        store.register(stored, passkey, PASSKEY_LIMIT, now, event)
    except Conflict:
        # Used already (a parallel answer), the limit reached meanwhile, or 2FA reset in between.
        raise PortalError(ErrorCode.PASSKEY_REFUSED) from None
    notifications.send(user, notifications.MailKind.PASSKEY_ADDED, name=label)
    return view(passkey)


# ---------------------------------------------------------------- managing


def rename(current: Authenticated, credential_id: str, name: str, context: RequestContext) -> dict:
    user = current.user
    label = clean_name(name)
    passkey = _own(user, credential_id)
    event = new_event("passkey.renamed", actor=user.username, target=user.username, outcome="success",
                      context=context, details={"passkey": label})
    try:
        store.rename(passkey, label, event)
    except Conflict:
        raise PortalError(ErrorCode.NOT_FOUND) from None
    passkey.name = label
    return view(passkey)


def remove(current: Authenticated, credential_id: str, password: str, code: str | None,
           context: RequestContext) -> None:
    """Remove a passkey after the password and a current second factor; never the last factor."""
    user = current.user
    reauth.reauthenticate(user, password, code, context, field="password")
    passkey = _own(user, credential_id)
    event = new_event("passkey.removed", actor=user.username, target=user.username, outcome="success",
                      context=context, details={"passkey": passkey.name})
    try:
        store.remove(passkey, event)
    except Conflict:
        if store.get_passkey(user.username, credential_id) is None:
            raise PortalError(ErrorCode.NOT_FOUND) from None
        raise PortalError(ErrorCode.LAST_SECOND_FACTOR) from None
    notifications.send(user, notifications.MailKind.PASSKEY_REMOVED, name=passkey.name)


def clean_name(name: str) -> str:
    """A passkey's name as shown: trimmed, 1 to NAME_MAX characters, no control characters."""
    label = unicodedata.normalize("NFC", name or "").strip()
    if not 0 < len(label) <= NAME_MAX or any(unicodedata.category(char).startswith("C") for char in label):
        raise PortalError(ErrorCode.INVALID_REQUEST, field="name")
    return label


# ---------------------------------------------------------------- login


def login_options(current: Authenticated, context: RequestContext) -> dict:
    """Options for navigator.credentials.get(), listing the account's own passkeys."""
    user = current.user
    existing = store.passkeys_of(user.username)
    if not existing:
        raise PortalError(ErrorCode.NOT_FOUND)
    challenge = _new_challenge(current, store.LOGIN)
    webauthn = _library()
    options = webauthn.generate_authentication_options(
        rp_id=relying_party(context).rp_id, challenge=challenge, timeout=CHALLENGE_SECONDS * 1000,
        allow_credentials=[_descriptor(passkey) for passkey in existing],
        user_verification=webauthn.helpers.structs.UserVerificationRequirement.PREFERRED)
    return json.loads(webauthn.options_to_json(options))


def login(current: Authenticated, credential: dict, context: RequestContext) -> StepUp:
    """POST /auth/passkey: an assertion over the session's latest login challenge, by one of the
    account's passkeys, turns the partial session into a full one."""
    user = current.user
    with lockout.attempt(Factor.SECOND_FACTOR, user.username, context, "login.passkey", user) as attempt:
        stored = store.get_challenge(current.session.token_hash)
        passkey = _find(user, credential.get("id"))
        if not _answers(stored, current, store.LOGIN) or passkey is None:
            raise _refused(current, attempt, context)
        assert stored is not None
        party = relying_party(context)
        webauthn = _library()
        try:
            # The counter is compared below, by the portal's own rule, so that a regression can be told
            # apart from a bad signature: verified against 0, the library checks everything else.
            verified = webauthn.verify_authentication_response(
                credential=credential, expected_challenge=webauthn.base64url_to_bytes(stored.challenge),
                expected_rp_id=party.rp_id, expected_origin=party.origin,
                credential_public_key=webauthn.base64url_to_bytes(passkey.public_key),
                credential_current_sign_count=0)
        except _unacceptable():
            raise _refused(current, attempt, context) from None
        if counter_regressed(int(passkey.sign_count or 0), verified.new_sign_count):
            raise _counter_regression(current, passkey, verified.new_sign_count, attempt, context)
        amr = ["pwd", "hwk", *(["user"] if verified.user_verified else [])]
        session, cookie = second_factor.stepped_up(current, context)
        session.amr = set(amr)
        seen = device_notices.sighting(user, context)
        event = new_event("login.passkey", actor=user.username, target=user.username, outcome="success",
                          context=context, details={"amr": sorted(amr), **(seen.details or {})})
        try:
            second_factors.commit_passkey_login(
                user.username, stored, passkey, verified.new_sign_count, int(clock.now()), current.session,
                session, event, lockout.reset_of(Factor.SECOND_FACTOR, user.username), seen.memory)
        except Conflict:
            # The challenge was used by a parallel answer, the counter moved, or 2FA was reset meanwhile.
            raise _refused(current, attempt, context) from None
    device_notices.notify(user, seen, context)
    return StepUp(cookie)


def counter_regressed(stored: int, reported: int) -> bool:
    """True when the authenticator's signature counter did not go up. Authenticators that keep no
    counter report 0 every time (synced passkeys do): 0 after 0 is no regression."""
    return (stored > 0 or reported > 0) and reported <= stored


# ---------------------------------------------------------------- challenges


def _new_challenge(current: Authenticated, purpose: str) -> bytes:
    challenge = secrets.token_bytes(32)
    store.save_challenge(PasskeyChallenge(
        current.session.token_hash, username=current.user.username, purpose=purpose,
        challenge=_b64(challenge), expires_at=int(clock.now()) + CHALLENGE_SECONDS))
    return challenge


def _answers(stored: PasskeyChallenge | None, current: Authenticated, purpose: str) -> bool:
    """The stored challenge is this session's, for this ceremony, and still alive."""
    return (stored is not None and stored.purpose == purpose and stored.username == current.user.username
            and int(stored.expires_at) > clock.now())


def _outstanding(current: Authenticated, purpose: str) -> PasskeyChallenge:
    stored = store.get_challenge(current.session.token_hash)
    if not _answers(stored, current, purpose):
        raise PortalError(ErrorCode.PASSKEY_REFUSED)
    assert stored is not None
    return stored


# ---------------------------------------------------------------- helpers and outcomes


def _user_handle(username: str) -> bytes:
    """A stable WebAuthn user id per account that does not reveal the username (authenticators keep
    one passkey per relying party and user id)."""
    return hmac.new(get_keys().hmac_key, b"passkey-user#" + username.encode(), hashlib.sha256).digest()


def _descriptor(passkey: Passkey):  # type: ignore[no-untyped-def]
    webauthn = _library()
    structs = webauthn.helpers.structs
    transports = [structs.AuthenticatorTransport(value) for value in sorted(passkey.transports or [])
                  if value in KNOWN_TRANSPORTS]
    return structs.PublicKeyCredentialDescriptor(id=webauthn.base64url_to_bytes(passkey.credential_id),
                                                 transports=transports or None)


def _transports(credential: dict[str, Any]) -> set[str]:
    response = credential.get("response")
    reported = response.get("transports") if isinstance(response, dict) else None
    return {value for value in reported if value in KNOWN_TRANSPORTS} if isinstance(reported, list) else set()


def _find(user: User, credential_id: object) -> Passkey | None:
    """One of the account's own passkeys; an id no stored passkey can have is not looked up."""
    if not isinstance(credential_id, str) or not 0 < len(credential_id.encode("utf-8", "replace")) <= ID_MAX:
        return None
    return store.get_passkey(user.username, credential_id)


def _own(user: User, credential_id: str) -> Passkey:
    passkey = _find(user, credential_id)
    if passkey is None:
        raise PortalError(ErrorCode.NOT_FOUND)
    return passkey


def _refused(current: Authenticated, attempt: int, context: RequestContext, outcome: str = "failure") -> PortalError:
    """A failed login attempt: counted like a wrong code; its challenge is used up."""
    store.discard_challenge(current.session.token_hash)
    lockout.count_failure(Factor.SECOND_FACTOR, current.user.username, current.user, attempt, context,
                          "login.passkey", outcome=outcome)
    return PortalError(ErrorCode.PASSKEY_REFUSED)


def _counter_regression(current: Authenticated, passkey: Passkey, reported: int, attempt: int,
                        context: RequestContext) -> PortalError:
    """A valid signature with a counter that went back: the key may have been copied. Refused, audited
    as a security event and reported to the owner with the passkey's name."""
    error = _refused(current, attempt, context, outcome="counter_regression")
    notifications.send(current.user, notifications.MailKind.PASSKEY_COUNTER_REGRESSION, name=passkey.name)
    return error
