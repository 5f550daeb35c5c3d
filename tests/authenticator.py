"""A software authenticator for the tests: an EC P-256 key (the `cryptography` package) that answers
the portal's WebAuthn options the way a browser and a security key together would, and that can be
told to lie (another origin, another relying party, an old counter) so the tests can check refusals.

Independent of the portal's own code: it builds clientDataJSON, authenticatorData and the "none"
attestation object itself (CBOR by cbor2) and signs authenticatorData || SHA-256(clientDataJSON).
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import struct
from urllib.parse import urlsplit

import cbor2
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

UP, UV, AT = 0x01, 0x04, 0x40


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class SoftwareAuthenticator:
    def __init__(self, origin: str) -> None:
        self.origin = origin
        self.rp_id = urlsplit(origin).hostname or ""
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.credential_id = secrets.token_bytes(32)
        self.counter = 0

    @property
    def id(self) -> str:
        return b64url(self.credential_id)

    def _cose_key(self) -> bytes:
        numbers = self.key.public_key().public_numbers()
        return cbor2.dumps({1: 2, 3: -7, -1: 1, -2: numbers.x.to_bytes(32, "big"), -3: numbers.y.to_bytes(32, "big")})

    def _client_data(self, kind: str, challenge: str, origin: str | None) -> bytes:
        return json.dumps({"type": kind, "challenge": challenge, "origin": origin or self.origin,
                           "crossOrigin": False}).encode()

    def create(self, options: dict, *, origin: str | None = None, rp_id: str | None = None) -> dict:
        """The answer to navigator.credentials.create() for the portal's `publicKey` options."""
        auth_data = (hashlib.sha256((rp_id or self.rp_id).encode()).digest() + bytes([UP | UV | AT])
                     + struct.pack(">I", self.counter) + bytes(16)
                     + struct.pack(">H", len(self.credential_id)) + self.credential_id + self._cose_key())
        attestation = cbor2.dumps({"fmt": "none", "attStmt": {}, "authData": auth_data})
        client_data = self._client_data("webauthn.create", options["challenge"], origin)
        return {"id": self.id, "rawId": self.id, "type": "public-key", "clientExtensionResults": {},
                "response": {"clientDataJSON": b64url(client_data), "attestationObject": b64url(attestation),
                             "transports": ["internal"]}}

    def get(self, options: dict, *, origin: str | None = None, rp_id: str | None = None,
            counter: int | None = None) -> dict:
        """The answer to navigator.credentials.get(): the counter goes up by one unless one is given."""
        self.counter = self.counter + 1 if counter is None else counter
        auth_data = (hashlib.sha256((rp_id or self.rp_id).encode()).digest() + bytes([UP | UV])
                     + struct.pack(">I", self.counter))
        client_data = self._client_data("webauthn.get", options["challenge"], origin)
        signature = self.key.sign(auth_data + hashlib.sha256(client_data).digest(), ec.ECDSA(hashes.SHA256()))
        return {"id": self.id, "rawId": self.id, "type": "public-key", "clientExtensionResults": {},
                "response": {"clientDataJSON": b64url(client_data), "authenticatorData": b64url(auth_data),
                             "signature": b64url(signature)}}
