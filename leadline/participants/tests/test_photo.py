"""The optional photo (issue #4 item 1): re-encoded without metadata, seen by those who may see the
participant's card (case managers, outreach, the program manager), never by police or prosecutors."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from leadline.audit.models import AuditEvent
from leadline.demo.testing import verified_client
from leadline.participants.models import ParticipantPhoto
from leadline.participants.photo import PhotoRefused, participant_photo_set, reencode
from leadline.participants.services import NotAllowed


def phone_photo(with_gps: bool = True) -> bytes:
    image = Image.new("RGB", (2000, 1500), (120, 90, 60))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    if with_gps:
        exif[0x8825] = {1: "N", 2: (43.0, 9.0, 0.0), 3: "W", 4: (77.0, 36.0, 0.0)}  # GPSInfo: Rochester
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def test_the_photo_is_shrunk_and_loses_its_metadata():
    raw = phone_photo()
    assert Image.open(io.BytesIO(raw)).getexif()  # the phone's photo carries EXIF (GPS included)
    clean = Image.open(io.BytesIO(reencode(raw)))
    assert clean.format == "JPEG" and max(clean.size) <= 640
    assert not clean.getexif() and "exif" not in clean.info


@pytest.mark.parametrize("raw", [b"", b"GIF89a" + b"\0" * 50, b"%PDF-1.4 not a photo", b"\xff\xd8\xff junk"])
def test_what_is_not_a_photo_is_refused(raw):
    with pytest.raises(PhotoRefused):
        reencode(raw)


def test_set_replace_remove_through_the_page_and_who_sees_it(world):
    carmen = verified_client(world["case_manager"])
    url = f"/participants/{world.mine.pk}/photo/"
    bad = carmen.post(url, {"photo": SimpleUploadedFile("x.jpg", b"not an image", "image/jpeg")})
    assert bad.status_code == 400 and "could not be read as a photo" in bad.content.decode()
    assert not ParticipantPhoto.objects.exists()
    ok = carmen.post(url, {"photo": SimpleUploadedFile("p.jpg", phone_photo(), "image/jpeg")})
    assert ok.status_code == 302
    page = carmen.get(f"/participants/{world.mine.pk}/").content.decode()
    assert f'src="{url}"' in page
    for persona, expected in (("case_manager", 200), ("outreach_worker", 200), ("program_manager", 200),
                              ("officer", 403), ("prosecutor", 403), ("defender", 403), ("evaluator", 403),
                              ("site_admin", 403)):  # fmt: skip
        response = verified_client(world[persona]).get(url)
        assert response.status_code == expected, persona
        if expected == 200:
            assert response["Content-Type"] == "image/jpeg" and "no-store" in response["Cache-Control"]
    # Outreach sees it but may not change it.
    assert verified_client(world["outreach_worker"]).post(url, {"remove": "1"}).status_code == 404
    assert carmen.post(url, {"remove": "1"}).status_code == 302
    assert not ParticipantPhoto.objects.exists()
    rows = AuditEvent.objects.filter(subject_type="participant_photo", participant_id=world.mine.pk)
    assert [r.changes["photo"] for r in rows.order_by("id")] == ["set", "removed"]


def test_another_case_managers_participant_is_refused(world):
    with pytest.raises(NotAllowed):
        participant_photo_set(actor=world["case_manager"], participant=world.other, raw=phone_photo())


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")  # Pillow warns; we refuse
def test_a_decompression_bomb_is_refused_before_it_is_decoded():
    bomb = io.BytesIO()
    Image.new("1", (13_000, 13_000)).save(bomb, "PNG")  # a small file declaring 169 megapixels
    with pytest.raises(PhotoRefused, match="too large"):
        reencode(bomb.getvalue())
