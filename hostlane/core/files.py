"""The file store: uploaded files (product and group images) kept on disk under ``HOSTLANE_FILES_DIR``.

A stored file is named by a key, ``<folder>/<name>.<extension>`` (``products/12-3f9c0a1b2c4d5e6f.png``): the
folder says what it belongs to, the name is the owner's id and a random token (so a replaced image gets a new
key, and no key can be guessed from an id), the extension its checked format. Rows hold the key; a face serves
the file back by it (``path``) with the content type of its format (``content_type``).

Files are written outside the database transaction, so the store follows the transaction that references them:
a file stored for a change is removed if that transaction rolls back (``discard_on_rollback``), and a file the
change no longer references is removed only once it has committed (``remove_after_commit``). A crash between
the two leaves at worst an unreferenced file, never a row naming a missing one.

Images are checked by their bytes, not by the name or type the client gave: JPEG, PNG, GIF and WebP by their
signature, SVG by parsing it (defusedxml) and finding an ``<svg>`` document element.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
from pathlib import Path
from typing import Any

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, fromstring
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession

from hostlane.config import get_settings
from hostlane.core.errors import ValidationFailed
from hostlane.core.forms import UploadedFile

# format -> (extension, content type). The content type is ours, never the client's.
IMAGE_FORMATS: dict[str, tuple[str, str]] = {
    "jpeg": ("jpg", "image/jpeg"),
    "png": ("png", "image/png"),
    "gif": ("gif", "image/gif"),
    "webp": ("webp", "image/webp"),
    "svg": ("svg", "image/svg+xml"),
}
CONTENT_TYPES = {extension: content_type for extension, content_type in IMAGE_FORMATS.values()}
_KEY = re.compile(r"^([a-z]+)/([0-9]+-[0-9a-f]{16})\.([a-z]+)$")


def root() -> Path:
    """Where files are kept: ``HOSTLANE_FILES_DIR``, else ``files/`` beside a SQLite database file, else
    ``files/`` under the working directory."""
    settings = get_settings()
    if settings.files_dir is not None:
        return settings.files_dir
    url = settings.database_url
    if url.startswith("sqlite") and ":///" in url and ":memory:" not in url:
        return Path(url.split(":///", 1)[1].split("?", 1)[0]).parent / "files"
    return Path("files")


def image_format(data: bytes) -> str | None:
    """The format of an image by its bytes (a key of ``IMAGE_FORMATS``), or None when it is none of them."""
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    if b"<svg" in data[:4096]:
        try:
            element = fromstring(data, forbid_dtd=True)
        except (ParseError, DefusedXmlException, ValueError):
            return None
        if element.tag in ("svg", "{http://www.w3.org/2000/svg}svg"):
            return "svg"
    return None


def check_image(upload: UploadedFile, *, field: str, formats: tuple[str, ...]) -> str:
    """The upload's format if it is an image of one of ``formats`` no larger than ``HOSTLANE_MAX_UPLOAD_BYTES``;
    else a 422 on ``field`` in Laravel's words."""
    limit = get_settings().max_upload_bytes
    if len(upload.data) > limit:
        raise ValidationFailed.field(field, f"The {field} field must not be greater than {limit // 1024} kilobytes.")
    found = image_format(upload.data)
    if found is None:
        raise ValidationFailed.field(field, f"The {field} field must be an image.")
    if found not in formats:
        names = ", ".join(IMAGE_FORMATS[name][0] for name in formats)
        raise ValidationFailed.field(field, f"The {field} field must be a file of type: {names}.")
    return found


def path(key: str) -> Path | None:
    """The file of a key, or None when the key is not one this store makes (no other path is ever reached)."""
    if _KEY.fullmatch(key) is None:
        return None
    return root() / key


def content_type(key: str) -> str:
    return CONTENT_TYPES.get(key.rsplit(".", 1)[-1], "application/octet-stream")


def _write(key: str, data: bytes) -> None:
    target = root() / key
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.part")
    temporary.write_bytes(data)
    os.replace(temporary, target)  # whole or absent: a reader never sees half a file


def remove(key: str | None) -> None:
    """Remove a stored file now (a missing one is no error)."""
    found = path(key) if key else None
    if found is not None:
        with contextlib.suppress(FileNotFoundError):
            found.unlink()


def discard_on_rollback(session: AsyncSession, key: str) -> None:
    """Remove ``key`` if the session's transaction rolls back (the row that names it is not written), whether or
    not it reached the database; a savepoint's rollback inside it is no reason."""

    def rolled_back(_session: Any, previous: Any) -> None:
        if previous.parent is None and not previous.nested:
            remove(key)

    if not session.in_transaction():
        session.sync_session.begin()  # so that its end, commit or rollback, is an event even before any SQL
    event.listen(session.sync_session, "after_soft_rollback", rolled_back)


def remove_after_commit(session: AsyncSession, key: str | None) -> None:
    """Remove ``key`` once the session's transaction has committed (the rows no longer name it)."""
    if key:
        event.listen(session.sync_session, "after_commit", lambda _session: remove(key), once=True)


def store(session: AsyncSession, folder: str, owner_id: int, data: bytes, file_format: str) -> str:
    """Write ``data`` as a new file of ``folder`` for the row ``owner_id``, removed again if ``session`` rolls
    back; returns its key."""
    key = f"{folder}/{owner_id}-{secrets.token_hex(8)}.{IMAGE_FORMATS[file_format][0]}"
    _write(key, data)
    discard_on_rollback(session, key)
    return key


def store_blob(session: AsyncSession, folder: str, owner_id: int, data: bytes) -> str:
    """Write any ``data`` (a document, an archive) as a new file of ``folder`` for ``owner_id``, removed again if
    ``session`` rolls back; returns its key. Its name and type are the row's to keep: the key names neither."""
    key = f"{folder}/{owner_id}-{secrets.token_hex(8)}.bin"
    _write(key, data)
    discard_on_rollback(session, key)
    return key
