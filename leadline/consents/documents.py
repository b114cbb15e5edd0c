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
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_DRAWN_BYTES = 400_000
MAX_UPLOAD_BYTES = 5_000_000
MAX_DRAWN_PIXELS = 4_000 * 1_500  # a signature pad on a large tablet at 3x
MAX_SCAN_PIXELS = 40_000_000  # a letter page at 600 dpi is ~34 million
# What makes a PDF do something when opened: refused in uploads (a scan of a signed paper needs none).
ACTIVE_PDF_KEYS = ("/JavaScript", "/JS", "/OpenAction", "/AA", "/Launch", "/EmbeddedFiles", "/RichMedia")
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


def _check_image(data: bytes, max_pixels: int) -> Image.Image:
    try:
        with Image.open(io.BytesIO(data)) as probe:
            # The header gives the size before anything is decoded: a small file can declare a huge
            # image (a decompression bomb), so the size is checked first.
            if probe.size[0] * probe.size[1] > max_pixels:
                raise DocumentRefused(_("The image is too large: scan at a lower resolution."))
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
    image = _check_image(data, MAX_DRAWN_PIXELS)
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
        _check_pdf(data)
        return Document("uploaded", ctype, data)
    # A phone photo of the paper carries EXIF (where it was taken): re-encoded, nothing carried over.
    image = _check_image(data, MAX_SCAN_PIXELS)
    out = io.BytesIO()
    if ctype == "image/png":
        image.save(out, "PNG", optimize=True)
    else:
        ImageOps.exif_transpose(image).convert("RGB").save(out, "JPEG", quality=90)
    return Document("uploaded", ctype, out.getvalue())


def _check_pdf(data: bytes) -> None:
    """A well-formed PDF with no scripts, automatic actions, launches or attached files."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    if b"%%EOF" not in data[-2048:]:
        raise DocumentRefused(_("The PDF is incomplete: upload it again."))
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        objects = [reader.trailer["/Root"]]
        objects += [page for page in reader.pages]
        for page in reader.pages:
            objects += [a.get_object() for a in page.get("/Annots", []) or []]
        text = repr([_plain(o) for o in objects])
    except (PdfReadError, KeyError, ValueError, TypeError, RecursionError) as exc:
        raise DocumentRefused(_("The PDF could not be read: upload it again.")) from exc
    if any(key in text for key in ACTIVE_PDF_KEYS) or any(
        k in data for k in (b"/JavaScript", b"/OpenAction")
    ):
        raise DocumentRefused(_("The PDF contains scripts or actions: upload a plain scan."))


def _plain(obj: object, depth: int = 0) -> object:
    """A PDF object's keys and values, resolved a few levels deep (enough to find action keys)."""
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject

    if depth > 6:
        return None
    if isinstance(obj, IndirectObject):
        obj = obj.get_object()
    if isinstance(obj, DictionaryObject):
        return {str(k): _plain(v, depth + 1) for k, v in obj.items() if k not in ("/Parent", "/Contents")}
    if isinstance(obj, ArrayObject):
        return [_plain(v, depth + 1) for v in obj[:200]]
    if isinstance(obj, NameObject):  # e.g. /S /Launch
        return str(obj)
    return None
