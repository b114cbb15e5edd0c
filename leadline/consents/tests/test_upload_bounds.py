"""Issue #15 item 8(a): a signed paper is parsed only within bounds set before the parse starts — size,
pages, objects, the walk through them, pixels — so a small hostile file cannot hold a worker."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from leadline.consents import documents
from leadline.consents.documents import DocumentRefused, uploaded_document


def self_referencing_pdf(fanout: int) -> bytes:
    """A PDF whose catalogue holds an array listing itself ``fanout`` times (the 495-byte file of the
    issue is this with 18)."""
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R /Extra 4 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>",
        b"[" + b" ".join([b"4 0 R"] * fanout) + b"]",
    ]
    return _pdf(objs)


def _pdf(objs: list[bytes]) -> bytes:
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, body in enumerate(objs, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    for off in offsets:
        out += b"%010d 00000 n \n" % off
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
    return bytes(out)


def _upload(data: bytes, name: str = "signed.pdf") -> documents.Document:
    return uploaded_document(SimpleUploadedFile(name, data))


def test_a_self_referencing_pdf_is_walked_once_per_object(monkeypatch):
    """Before: every path through the self-reference was followed (fanout ** 6 lookups; with 18, a
    worker held for a minute at 990 MB). Now each object is read once."""
    from pypdf.generic import IndirectObject

    lookups = 0
    real = IndirectObject.get_object

    def counting(self):
        nonlocal lookups
        lookups += 1
        return real(self)

    monkeypatch.setattr(IndirectObject, "get_object", counting)
    document = _upload(self_referencing_pdf(8))  # 8 ** 6 = 262,144 lookups before the fix
    assert document.content_type == "application/pdf"
    assert lookups < 100


def test_the_walk_has_a_budget_and_a_deadline(monkeypatch):
    # Many distinct objects, each referring to the next ones: within the object limit, past the walk's.
    monkeypatch.setattr(documents, "MAX_PDF_NODES", 50)
    objs = [b"<< /Type /Catalog /Pages 2 0 R /Extra 4 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>"]  # fmt: skip
    refs = [b" ".join(b"%d 0 R" % k for k in range(n + 1, min(n + 4, 120))) for n in range(4, 120)]
    objs += [b"[" + r + b"]" for r in refs]
    objs.append(b"[]")
    with pytest.raises(DocumentRefused, match="too complex"):
        _upload(_pdf(objs))
    monkeypatch.setattr(documents, "MAX_PDF_NODES", 100_000)
    monkeypatch.setattr(documents, "MAX_PDF_SECONDS", 0.0)
    with pytest.raises(DocumentRefused, match="too complex"):
        _upload(_pdf(objs))


def test_too_many_pages_or_objects_are_refused_before_the_walk(monkeypatch):
    from pypdf import PdfWriter

    writer = PdfWriter()
    for _ in range(documents.MAX_PDF_PAGES + 1):
        writer.add_blank_page(612, 792)
    out = io.BytesIO()
    writer.write(out)
    with pytest.raises(DocumentRefused, match="pages"):
        _upload(out.getvalue())
    monkeypatch.setattr(documents, "MAX_PDF_OBJECTS", 3)
    with pytest.raises(DocumentRefused, match="too complex"):
        _upload(self_referencing_pdf(2))


def test_an_action_deep_in_the_document_is_still_found():
    objs = [b"<< /Type /Catalog /Pages 2 0 R /Extra 4 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>"]  # fmt: skip
    objs += [b"[%d 0 R]" % (n + 1) for n in range(4, 30)]
    objs.append(b"<< /S /Launch /F (calc.exe) >>")
    with pytest.raises(DocumentRefused, match="scripts or actions"):
        _upload(_pdf(objs))


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
def test_a_40_megapixel_png_is_refused_from_its_header(monkeypatch):
    """Before: accepted, decoded whole (273 MB). Now refused from the header's width x height; nothing
    is decoded."""
    raw = io.BytesIO()
    Image.new("1", (8000, 5000)).save(raw, "PNG")

    def no_decoding(self):
        raise AssertionError("decoded")

    monkeypatch.setattr(Image.Image, "load", no_decoding)
    with pytest.raises(DocumentRefused, match="too large"):
        _upload(raw.getvalue(), "scan.png")


def test_a_large_phone_photo_is_decoded_at_a_reduced_scale():
    """A 48-megapixel JPEG (a phone's full-resolution mode) is kept, decoded at a quarter of its pixels."""
    raw = io.BytesIO()
    Image.new("L", (8000, 6000), 240).save(raw, "JPEG", quality=50)
    document = _upload(raw.getvalue(), "photo.jpg")
    kept = Image.open(io.BytesIO(document.data))
    assert kept.size[0] * kept.size[1] <= documents.MAX_DECODED_PIXELS
    assert kept.size == (4000, 3000)


def test_an_upload_over_the_limit_is_refused_before_it_is_read():
    class Huge:
        size = documents.MAX_UPLOAD_BYTES + 1

        def read(self, *args):
            raise AssertionError("read")

    with pytest.raises(DocumentRefused, match="larger than 5 MB"):
        uploaded_document(Huge())


@pytest.mark.django_db
def test_a_signed_paper_over_5_mb_is_dropped_as_it_arrives_and_the_field_says_why(world):
    from leadline.demo.testing import verified_client

    client = verified_client(world["case_manager"])
    sign = f"/participants/{world.mine.pk}/consents/{world.unsigned.pk}/sign/"
    over = SimpleUploadedFile("signed.pdf", b"%PDF-" + b"0" * documents.MAX_UPLOAD_BYTES, "application/pdf")
    refused = client.post(sign, {"upload": over, "signed_by_name": "Jo", "signer_relationship": "self"})
    assert refused.status_code == 400 and b'upload_error">The file is larger than 5 MB' in refused.content
    assert b"larger than 5 MB" in refused.content
    far = SimpleUploadedFile("signed.pdf", b"0" * (3 * documents.MAX_UPLOAD_BYTES), "application/pdf")
    assert client.post(sign, {"upload": far}).status_code == 413
    world.unsigned.refresh_from_db()
    assert world.unsigned.signed_at is None
