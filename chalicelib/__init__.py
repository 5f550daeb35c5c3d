"""Digitaal Portaal access service: everything the Chalice app needs besides app.py."""

import sys

# py_webauthn needs pyOpenSSL. When it is installed, botocore's import of its HTTP session also
# imports urllib3.contrib.pyopenssl (and with it pyOpenSSL and cryptography, about a second of
# every cold start) only to take the standard library's SSLContext from it; botocore falls back to
# that very class when the import fails. Marking the module as absent keeps the cold start as it was;
# pyOpenSSL itself is still loaded by the passkey requests that need it.
sys.modules.setdefault("urllib3.contrib.pyopenssl", None)  # type: ignore[arg-type]
