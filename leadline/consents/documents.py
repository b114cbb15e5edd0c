"""Signatures and signed papers: what the screen or the scanner sends, checked before it is kept.

A drawn signature arrives as a PNG data URL from the signature pad; a signed paper arrives as an upload
(PNG, JPEG or PDF). Both are checked by content, not by the name or type the browser claims, and an
image is opened with Pillow, so a file that only pretends to be an image is refused.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import io
from dataclasses import dataclass

from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

MAX_DRAWN_BYTES = 400_000
MAX_UPLOAD_BYTES = 5_000_000
_MAGIC = {b"\x89PNG\r\n\x1a\n": "image/png", b"\xff\xd8\xff": "image/jpeg", b"%PDF-": "application/pdf"}


class DocumentRefused(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Document:
    method: str  # drawn | uploaded
    content_type: str
    data: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def _sniff(data: bytes) -> str | None:
    return next((ctype for magic, ctype in _MAGIC.items() if data.startswith(magic)), None)


def _check_image(data: bytes) -> Image.Image:
    try:
        with Image.open(io.BytesIO(data)) as probe:
            probe.verify()
        image = Image.open(io.BytesIO(data))
        image.load()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise DocumentRefused(_("The file could not be read as an image.")) from exc
    return image


def drawn_signature(data_url: str) -> Document:
    prefix = "data:image/png;base64,"
    if not data_url.startswith(prefix):
        raise DocumentRefused(_("Sign in the box first."))
    try:
        data = base64.b64decode(data_url[len(prefix) :], validate=True)
    except (binascii.Error, ValueError) as exc:
        raise DocumentRefused(_("The signature did not arrive whole: sign again.")) from exc
    if len(data) > MAX_DRAWN_BYTES or _sniff(data) != "image/png":
        raise DocumentRefused(_("The signature did not arrive whole: sign again."))
    image = _check_image(data)
    alpha = image.convert("RGBA").getchannel("A")
    ink = alpha.getbbox()
    if ink is None or (ink[2] - ink[0]) < 20:
        raise DocumentRefused(_("The signature box is empty: sign in the box."))
    return Document("drawn", "image/png", data)


def uploaded_document(upload: object) -> Document:
    size = getattr(upload, "size", 0) or 0
    if size > MAX_UPLOAD_BYTES:
        raise DocumentRefused(_("The file is larger than 5 MB: scan at a lower resolution."))
    data = upload.read()  # type: ignore[attr-defined]
    if not data:
        raise DocumentRefused(_("The file is empty."))
    ctype = _sniff(data)
    if ctype is None:
        raise DocumentRefused(_("Upload a PDF, PNG or JPEG scan of the signed paper."))
    if ctype == "application/pdf":
        if b"%%EOF" not in data[-2048:]:
            raise DocumentRefused(_("The PDF is incomplete: upload it again."))
    else:
        _check_image(data)
    return Document("uploaded", ctype, data)
