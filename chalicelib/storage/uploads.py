"""Import files in S3 (the imports bucket): the presigned POST a browser uploads with, streaming reads
of the uploaded file, the error-report objects and their short-lived download links.

Uploads go to uploads/<import id>.csv (the prefix the S3 event of the processing function listens
on). The upload form stays valid for its whole window, so a job reads only its own copy,
sources/<import id>.csv, taken when processing starts: no later upload can change what it imports.
Reports go to reports/<import id>.csv. Neither copies nor reports are under uploads/: they start nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import IO
from urllib.parse import unquote_plus, urlsplit

from chalicelib.settings import get_settings

UPLOAD_PREFIX = "uploads/"
REPORT_PREFIX = "reports/"
SOURCE_PREFIX = "sources/"
CHUNK_SIZE = 64 * 1024


@lru_cache(maxsize=1)
def _client():  # type: ignore[no-untyped-def]
    import boto3

    from chalicelib.storage.base import client_config

    return boto3.client("s3", region_name=get_settings().region, config=client_config(signature_version="s3v4"))


def _bucket() -> str:
    return get_settings().imports_bucket


def upload_key(import_id: str) -> str:
    return f"{UPLOAD_PREFIX}{import_id}.csv"


def report_key(import_id: str) -> str:
    return f"{REPORT_PREFIX}{import_id}.csv"


def source_key(import_id: str) -> str:
    return f"{SOURCE_PREFIX}{import_id}.csv"


def import_id_of(bucket: str, key: str) -> str | None:
    """The import an S3 event's object belongs to (keys in events are URL-encoded); None otherwise."""
    key = unquote_plus(key)
    if bucket != _bucket() or not key.startswith(UPLOAD_PREFIX) or not key.endswith(".csv"):
        return None
    import_id = key[len(UPLOAD_PREFIX):-len(".csv")]
    return import_id if import_id and "/" not in import_id else None


def presigned_post(key: str, max_bytes: int, expires_in: int) -> dict:
    """A presigned POST for exactly this key; S3 itself refuses an empty file or one over max_bytes."""
    return _client().generate_presigned_post(
        Bucket=_bucket(), Key=key, Fields=None,
        Conditions=[["content-length-range", 1, max_bytes]],
        ExpiresIn=expires_in,
    )


@lru_cache(maxsize=1)
def upload_origin() -> str:
    """The origin browsers POST uploads to (the page's Content-Security-Policy must allow it)."""
    url = presigned_post(upload_key("origin-probe"), 1, 60)["url"]
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


@dataclass(frozen=True)
class StoredUpload:
    key: str
    size: int
    etag: str


class ObjectChangedError(Exception):
    """The object is no longer the version that was described (it was uploaded again)."""


def describe(key: str) -> StoredUpload | None:
    """The stored object's size and version (ETag); None when there is no such object."""
    client = _client()
    try:
        head = client.head_object(Bucket=_bucket(), Key=key)
    except client.exceptions.ClientError as error:
        if error.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
            return None
        raise
    return StoredUpload(key, int(head["ContentLength"]), head["ETag"])


def keep_source(upload_key: str, source_key: str) -> StoredUpload | None:
    """The job's own copy of its upload: made from the upload the first time (a copy inside S3), the
    existing one on every later attempt; None when there never was an upload."""
    kept = describe(source_key)
    if kept is not None:
        return kept
    client = _client()
    try:
        client.copy_object(Bucket=_bucket(), Key=source_key, CopySource={"Bucket": _bucket(), "Key": upload_key})
    except client.exceptions.ClientError as error:
        if error.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
            return None
        raise
    return describe(source_key)


def stream(upload: StoredUpload) -> Iterator[bytes]:
    """The bytes of exactly the described version as a stream of chunks (one chunk in memory at a
    time); ObjectChangedError when the object was replaced since."""
    client = _client()
    try:
        body = client.get_object(Bucket=_bucket(), Key=upload.key, IfMatch=upload.etag)["Body"]
    except client.exceptions.ClientError as error:
        if error.response.get("Error", {}).get("Code") in ("PreconditionFailed", "412", "NoSuchKey"):
            raise ObjectChangedError(upload.key) from None
        raise
    try:
        yield from body.iter_chunks(CHUNK_SIZE)
    finally:
        body.close()


def report_head(key: str, limit: int) -> bytes:
    """The first `limit` bytes of an error report (a ranged GET); b"" when it is gone."""
    client = _client()
    try:
        body = client.get_object(Bucket=_bucket(), Key=key, Range=f"bytes=0-{limit - 1}")["Body"]
    except client.exceptions.ClientError as error:
        if error.response.get("Error", {}).get("Code") in ("NoSuchKey", "404", "InvalidRange"):
            return b""
        raise
    try:
        return body.read()
    finally:
        body.close()


def put_report(key: str, content: IO[bytes]) -> None:
    """Store an error report (streamed from a file object; multipart for large ones)."""
    _client().upload_fileobj(content, _bucket(), key, ExtraArgs={"ContentType": "text/csv; charset=utf-8"})


def download_url(key: str, filename: str, expires_in: int = 300) -> str:
    """A presigned GET (SigV4) that downloads the object as `filename`, valid for `expires_in` seconds."""
    return _client().generate_presigned_url(
        "get_object",
        Params={"Bucket": _bucket(), "Key": key,
                "ResponseContentDisposition": f'attachment; filename="{filename}"',
                "ResponseContentType": "text/csv; charset=utf-8"},
        ExpiresIn=expires_in,
    )
