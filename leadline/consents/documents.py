"""Signatures and signed papers: what the screen or the scanner sends, checked before it is kept.

A drawn signature arrives as a PNG data URL from the signature pad; a signed paper arrives as an upload
(PNG, JPEG or PDF). Both are checked by content, not by the name or type the browser claims, and an
image is opened with Pillow, so a file that only pretends to be an image is refused.

Every parse is bounded before it starts (issue #15 item 8, decision 0032): the upload's size (checked
as it arrives by core.uploads), a PDF's objects and pages, then a walk that reads each object once, with
a node budget and a deadline; an image's pixels from its header, before anything is decoded.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import io
import time
from dataclasses import dataclass

from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from leadline.core import refusals

MAX_DRAWN_BYTES = 400_000
MAX_UPLOAD_BYTES = 5_000_000
MAX_DRAWN_PIXELS = 4_000 * 1_500  # a signature pad on a large tablet at 3x
# A scan of a signed paper needs no more than 300-400 dpi (a letter page at 400 dpi is 15 million pixels,
# a phone photo 12): decoding costs 3-4 bytes a pixel, so the limit is what a worker may spend.
MAX_DECODED_PIXELS = 25_000_000
MAX_SCAN_PIXELS = 200_000_000  # a JPEG up to this is decoded at a reduced scale (1/2, 1/4, 1/8)
MAX_PDF_OBJECTS = 5_000  # a 50-page scan has a few hundred
MAX_PDF_PAGES = 50
MAX_PDF_NODES = 100_000  # dictionary entries and array items read while looking for actions
MAX_PDF_DEPTH = 64
MAX_PDF_SECONDS = 2.0
# What makes a PDF do something when opened: refused in uploads (a scan of a signed paper needs none).
ACTIVE_PDF_KEYS = ("/JavaScript", "/JS", "/OpenAction", "/AA", "/Launch", "/EmbeddedFiles", "/RichMedia")
_MAGIC = {b"\x89PNG\r\n\x1a\n": "image/png", b"\xff\xd8\xff": "image/jpeg", b"%PDF-": "application/pdf"}


class DocumentRefused(refusals.Refused):
    """A signature or scanned form we cannot keep; the message says why."""

    def __init__(self, message: str):
        super().__init__(message)


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
    """The image, decoded only once its header says it is small enough. A JPEG above ``max_pixels`` (a
    phone's full-resolution photo) is decoded at a reduced scale, which its format allows for almost
    nothing; any other format above it is refused."""
    too_large = _("The image is too large: scan at a lower resolution.")
    try:
        with Image.open(io.BytesIO(data)) as probe:
            # The header gives the size before anything is decoded: a small file can declare a huge
            # image (a decompression bomb), so the size is checked first.
            width, height = probe.size
            pixels = width * height
            reducible = (
                probe.format == "JPEG" and max_pixels == MAX_DECODED_PIXELS and pixels <= MAX_SCAN_PIXELS
            )
            if pixels > max_pixels and not reducible:
                raise DocumentRefused(too_large)
            probe.verify()
        image = Image.open(io.BytesIO(data))
        if pixels > max_pixels:
            scale = next(k for k in (2, 4, 8) if pixels // (k * k) <= max_pixels)
            image.draft(image.mode, (-(-width // scale), -(-height // scale)))
            if image.size[0] * image.size[1] > max_pixels:
                raise DocumentRefused(too_large)
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
    image = _check_image(data, MAX_DECODED_PIXELS)
    out = io.BytesIO()
    if ctype == "image/png":
        image.save(out, "PNG", optimize=True)
    else:
        ImageOps.exif_transpose(image).convert("RGB").save(out, "JPEG", quality=90)
    return Document("uploaded", ctype, out.getvalue())


def _check_pdf(data: bytes) -> None:
    """A well-formed PDF with no scripts, automatic actions, launches or attached files.

    Bounded before and while it is read: the objects the cross-reference lists, the pages, then one walk
    from the catalogue that reads each object once (a self-reference is not followed again), within a
    budget of entries, a depth and a deadline. pypdf's own limits (pypdf.Configuration) bound what a
    compressed object stream may expand to."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError, PdfStreamError

    if b"%%EOF" not in data[-2048:]:
        raise DocumentRefused(_("The PDF is incomplete: upload it again."))
    complex_ = _("The PDF is too complex to check: print it and scan it again.")
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        objects = sum(len(table) for table in reader.xref.values()) + len(reader.xref_objStm)
        if objects > MAX_PDF_OBJECTS:
            raise DocumentRefused(complex_)
        if len(reader.pages) > MAX_PDF_PAGES:
            raise DocumentRefused(
                _("The PDF has more than %(n)s pages: upload only the signed paper.") % {"n": MAX_PDF_PAGES}
            )
        active = _active_keys(reader.trailer["/Root"], deadline=time.monotonic() + MAX_PDF_SECONDS)
    except DocumentRefused:
        raise
    except _TooComplex as exc:
        raise DocumentRefused(complex_) from exc
    except (PdfReadError, PdfStreamError, KeyError, ValueError, TypeError, RecursionError, OSError) as exc:
        raise DocumentRefused(_("The PDF could not be read: upload it again.")) from exc
    if active or any(k in data for k in (b"/JavaScript", b"/OpenAction")):
        raise DocumentRefused(_("The PDF contains scripts or actions: upload a plain scan."))


class _TooComplex(Exception):
    pass


def _active_keys(root: object, *, deadline: float) -> bool:
    """Whether any object reachable from ``root`` names an action (a key such as /OpenAction, or a value
    such as /S /Launch). Each indirect object is read once; page contents (streams' data) are not read."""
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject

    seen: set[tuple[int, int]] = set()
    stack: list[tuple[object, int]] = [(root, 0)]
    nodes = 0
    while stack:
        obj, depth = stack.pop()
        nodes += 1
        if nodes > MAX_PDF_NODES or depth > MAX_PDF_DEPTH or time.monotonic() > deadline:
            raise _TooComplex
        if isinstance(obj, IndirectObject):
            ref = (obj.idnum, obj.generation)
            if ref in seen:
                continue
            seen.add(ref)
            obj = obj.get_object()
        if isinstance(obj, DictionaryObject):
            for key, value in obj.items():
                if key in ACTIVE_PDF_KEYS:
                    return True
                if key != "/Contents":
                    stack.append((value, depth + 1))
        elif isinstance(obj, ArrayObject):
            stack.extend((value, depth + 1) for value in obj)
        elif isinstance(obj, NameObject) and obj in ACTIVE_PDF_KEYS:  # e.g. /S /Launch
            return True
    return False
