"""Uploaded files: their type read from their bytes, the type they are served
as, and names safe to show and to download. Pure: no Flask, no database.

The uploader's claimed type (a browser's guess, or whatever a script sends)
is never trusted: libmagic reads the content. Only types that a browser shows
without running anything are served as themselves; HTML, SVG, XML, scripts
and anything unknown go out as ``application/octet-stream``.
"""

from __future__ import annotations

import logging
import unicodedata

import magic

log = logging.getLogger(__name__)

OCTET_STREAM = "application/octet-stream"
# Sniffing reads the start of a file; office formats (zip) need their first
# entries, which come well within this.
SNIFF_BYTES = 1024 * 1024
MAX_NAME_CHARS = 255
FALLBACK_NAME = "attachment"

# Served as themselves (always as a download, with nosniff and a sandbox
# policy): nothing in them runs in a browser.
INERT_TYPES = frozenset(
    {
        "text/plain",
        "text/csv",
        "application/pdf",
        "image/png",
        "image/jpeg",
        "image/gif",
        "image/webp",
        "image/bmp",
        "image/tiff",
        "application/zip",
        "application/gzip",
        "application/x-7z-compressed",
        "application/x-rar",
        "application/msword",
        "application/vnd.ms-excel",
        "application/vnd.ms-powerpoint",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "application/vnd.oasis.opendocument.text",
        "application/vnd.oasis.opendocument.spreadsheet",
        "audio/mpeg",
        "audio/x-wav",
        "video/mp4",
    }
)


def sniff_type(content: bytes) -> str:
    """The MIME type libmagic reads from ``content`` (``text/html``,
    ``image/png``...); ``application/octet-stream`` when it cannot tell."""
    try:
        sniffed = magic.from_buffer(content[:SNIFF_BYTES], mime=True)
    except magic.MagicException:
        log.warning("files.sniff_failed size=%s", len(content), exc_info=True)
        return OCTET_STREAM
    return (sniffed or OCTET_STREAM).strip().lower()[:127]


def served_type(stored_type: str) -> str:
    """The Content-Type a stored file goes out with: its own when inert,
    ``application/octet-stream`` for anything a browser could execute."""
    return stored_type if stored_type in INERT_TYPES else OCTET_STREAM


def clean_filename(name: str | None) -> str:
    """A name safe to show and to offer for download: no directories
    (``../``, ``C:\\``), no control or formatting characters (CR/LF, NUL,
    right-to-left overrides), no leading dots; Unicode letters stay, so
    ``Отчёт.pdf`` stays ``Отчёт.pdf``. At most 255 characters, the extension
    kept; ``attachment`` when nothing is left."""
    text = unicodedata.normalize("NFC", name or "")
    text = "".join(ch for ch in text if unicodedata.category(ch)[0] != "C")
    text = text.replace("\\", "/").rsplit("/", 1)[-1]
    if len(text) > 1 and text[1] == ":" and text[0].isascii() and text[0].isalpha():
        text = text[2:]  # a drive: "C:report.txt"
    text = text.strip().lstrip(".").strip()
    if len(text) > MAX_NAME_CHARS:
        stem, dot, extension = text.rpartition(".")
        if dot and 0 < len(extension) <= 16:
            text = stem[: MAX_NAME_CHARS - len(extension) - 1] + "." + extension
        else:
            text = text[:MAX_NAME_CHARS]
    return text or FALLBACK_NAME
