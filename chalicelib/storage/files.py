"""Backup-code PDFs in S3: a private bucket (public access blocked, SSE, objects expire within a day by
lifecycle), random object keys, and short-lived SigV4 presigned links instead of serving the file."""

from __future__ import annotations

import logging
import secrets
from functools import lru_cache

from chalicelib.settings import get_settings
from chalicelib.storage.base import is_temporary_trouble

log = logging.getLogger(__name__)

PDF_TYPE = "application/pdf"
# A presigned link is valid for at most five minutes (docs/security.md).
LINK_SECONDS = 300


@lru_cache(maxsize=1)
def _client():  # type: ignore[no-untyped-def]
    import boto3

    from chalicelib.storage.base import client_config

    # SigV4 explicitly: older signature versions are refused for SSE objects and leak less well-scoped
    # links. The endpoint (AWS, or the local emulation) comes from the environment.
    return boto3.client("s3", region_name=get_settings().region, config=client_config(signature_version="s3v4"))


def put_backup_codes_pdf(content: bytes) -> str:
    """Store a backup-code PDF under an unguessable key; returns the key."""
    key = f"backup-codes/{secrets.token_urlsafe(24)}.pdf"
    _client().put_object(
        Bucket=get_settings().backup_codes_bucket,
        Key=key,
        Body=content,
        ContentType=PDF_TYPE,
        ContentDisposition='inline; filename="backup-codes.pdf"',
        CacheControl="no-store",
        ServerSideEncryption="AES256",
    )
    return key


def backup_codes_pdf_link(key: str, seconds: int = LINK_SECONDS) -> str:
    """A presigned GET for the PDF, valid for `seconds` (at most five minutes)."""
    return _client().generate_presigned_url(
        "get_object",
        Params={
            "Bucket": get_settings().backup_codes_bucket,
            "Key": key,
            "ResponseContentType": PDF_TYPE,
            "ResponseCacheControl": "no-store",
        },
        ExpiresIn=min(seconds, LINK_SECONDS),
    )


def delete_backup_codes_pdf(key: str) -> None:
    """Remove a PDF (its set was replaced or used up); deleting a missing object is not an error.

    Housekeeping only: the bucket's lifecycle rule expires every object within a day, so temporary
    trouble here is logged and never turns a completed change into a failed request."""
    try:
        _client().delete_object(Bucket=get_settings().backup_codes_bucket, Key=key)
    except Exception as error:
        if not is_temporary_trouble(error):
            raise
        log.warning("backup-code PDF not deleted; the lifecycle rule expires it", exc_info=True)
