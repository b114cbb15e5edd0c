"""42 CFR Part 2 consents (PRODUCT.md §4 rules 1, 2, 6): every 2.31 element, the 2.35 kind that may be
irrevocable until its event, written revocation, expiry, signatures, the printable form, and one decision
point whose every disclosure is logged with the 2.32 notice."""

from __future__ import annotations

import base64
import io
from datetime import timedelta

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from leadline.accounts.models import Agency
from leadline.audit.models import AuditEvent
from leadline.cases.models import Contact, MonthlyStatus, PlanGoal
from leadline.consents import services
from leadline.consents.documents import Document, DocumentRefused, drawn_signature, uploaded_document
from leadline.consents.models import Consent, ConsentDocument, Disclosure
from leadline.consents.policy import Info, may_disclose
from leadline.core import clock
from leadline.demo.testing import UserFactory, sample_signature_png, sample_signed_pdf, verified_client
from leadline.participants.models import Participant

MARKER = "ZZ-PLANTED-TREATMENT"


def png_signature(ink: bool = True) -> bytes:
    if ink:
        return sample_signature_png()
    out = io.BytesIO()
    Image.new("RGBA", (300, 100), (0, 0, 0, 0)).save(out, "PNG")
    return out.getvalue()


def data_url(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode()


def signature() -> Document:
    return drawn_signature(data_url(png_signature()))


def da(world) -> Agency:
    return world["prosecutor"].agency


def record_cj(world, *, sign: bool = True, **overrides):
    fields = dict(
        kind="criminal_justice", method="written", recipient_kind="prosecutor", recipient_agency=da(world),
        categories=(Info.STATUS, Info.ATTENDANCE, Info.LIVING),
        purpose="So the DA can follow my LEAD diversion",
        expires_on=clock.today() + timedelta(days=180), signature=signature() if sign else None,
    )  # fmt: skip
    fields.update(overrides)
    return services.consent_record(actor=world["case_manager"], participant=world.mine, **fields)


@pytest.fixture(autouse=True)
def _no_part2_consents_yet(world):
    """The shared world holds Part 2 consents for the matrix test; these tests start from none."""
    Consent.objects.filter(kind__in=["part2", "criminal_justice"]).delete()


def summary(world, user=None):
    return verified_client(user or world["prosecutor"]).get(f"/summaries/{world.mine.pk}/")


@pytest.fixture
def content(world):
    """Case content that must never reach a criminal-justice recipient, whatever the consent says."""
    from leadline.cases.services import case_note_add

    carmen = world["case_manager"]
    case_note_add(actor=carmen, participant=world.mine, body=f"{MARKER} methadone dose",
                  sensitivity="substance_use", idempotency_key="sud1")  # fmt: skip
    PlanGoal.objects.create(participant=world.mine, domain="substance_use", progress=2,
                            text=f"{MARKER} fewer days using", created_by=carmen, created_at=clock.now(),
                            idempotency_key="g1")  # fmt: skip
    PlanGoal.objects.create(participant=world.mine, domain="housing", text=f"{MARKER} a room", progress=3,
                            created_by=carmen, created_at=clock.now(), idempotency_key="g2")  # fmt: skip
    Contact.objects.create(participant=world.mine, kind="in_person", reached=True, substantive=True,
                           occurred_at=clock.now() - timedelta(days=3), place=f"{MARKER} the clinic",
                           summary=f"{MARKER} talked", logged_by=carmen, created_at=clock.now(),
                           idempotency_key="c1")  # fmt: skip
    MonthlyStatus.objects.create(participant=world.mine, month=clock.today().replace(day=1),
                                 housing="sheltered", employed="no", income_or_benefits="yes",
                                 recorded_by=carmen, recorded_at=clock.now())  # fmt: skip
    return world


def test_a_criminal_justice_consent_holds_every_2_31_element(world):
    consent, created = record_cj(world)
    assert created and consent.signed_at is not None
    p = world.mine
    assert consent.participant_name == f"{p.given_name} {p.family_name}"  # patient name
    assert "LEAD program" in consent.discloser  # who may disclose
    assert "District Attorney" in consent.recipient and consent.recipient_agency == da(world)  # to whom
    assert consent.categories == ["enrolment", "status", "attendance", "living"]  # what, enrolment always
    assert "monthly housing" in consent.information
    assert consent.purpose.startswith("So the DA")  # purpose
    assert consent.expires_on is not None  # expiry
    text = consent.form_text
    assert "revoke this consent at any time in writing" in text and "reliance" in text  # revocation right
    assert "official duties" in text  # 2.35(d) restriction on the recipient's use
    assert consent.signed_by_name == consent.participant_name  # signature + date
    doc = ConsentDocument.objects.get(consent=consent, purpose="signature")
    assert doc.method == "drawn" and bytes(doc.data).startswith(b"\x89PNG") and len(doc.sha256) == 64
    assert consent.policy_version is not None and consent.wording_version
    created_row = AuditEvent.objects.get(subject_type="consent", subject_id=str(consent.pk), action="create")
    assert created_row.actor_id == world["case_manager"].pk and created_row.changes["signed"] is True


def test_a_double_submit_records_one_consent(world):
    first, created = record_cj(world)
    second, again = record_cj(world)
    assert created and not again and first.pk == second.pk
    assert Consent.objects.filter(participant=world.mine, kind="criminal_justice").count() == 1


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"method": "verbal"}, "method"),
        ({"recipient_agency": None}, "recipient_agency"),
        ({"recipient_kind": "provider"}, "recipient_kind"),
        ({"purpose": "x"}, "purpose"),
        ({"expires_on": None}, "expires_on"),
        ({"categories": (Info.SUD_PROGRESS,)}, "categories"),  # treatment content never goes to a prosecutor
        ({"irrevocable": True}, "irrevocable_until"),
    ],
)
def test_a_consent_missing_an_element_is_refused_naming_the_field(world, overrides, field):
    with pytest.raises(services.ConsentRefused) as refused:
        record_cj(world, **overrides)
    assert refused.value.field == field
    assert not Consent.objects.filter(kind="criminal_justice").exists()


def test_unsigned_it_discloses_nothing_signed_it_discloses_what_it_names_with_the_notice(content):
    world = content
    consent, _ = record_cj(world, sign=False)
    assert consent.needs_signature
    assert summary(world).status_code == 404
    assert not Disclosure.objects.exists()
    services.consent_sign(actor=world["case_manager"], consent=consent, document=signature())
    response = summary(world)
    page = response.content.decode()
    assert response.status_code == 200
    assert world.mine.family_name in page
    assert 'data-section="status"' in page and 'data-section="attendance"' in page
    assert 'data-section="living"' in page and "Sheltered" in page
    assert 'data-section="plan_progress"' not in page  # not named in this consent
    assert 'data-section="sud_progress"' not in page
    assert MARKER not in page  # no notes, places, goal texts
    assert "42 CFR part 2" in page and 'data-notice="2.32-2024-statement-1"' in page
    (disclosure,) = Disclosure.objects.filter(consent=consent)
    assert disclosure.recipient == world["prosecutor"] and disclosure.channel == "page"
    assert disclosure.notice is not None and disclosure.notice.version == "2.32-2024-statement-1"
    assert "prohibit you from making any other use or disclosure" in disclosure.notice.text
    assert disclosure.categories == sorted(["enrolment", "status", "attendance", "living"])
    assert disclosure.policy_version is not None
    assert AuditEvent.objects.filter(subject_type="consent", subject_id=str(consent.pk), action="view",
                                     actor_id=world["prosecutor"].pk).count() == 1  # fmt: skip


def test_the_list_shows_only_participants_whose_consent_names_the_office(content):
    world = content
    record_cj(world)
    page = verified_client(world["prosecutor"]).get("/summaries/").content.decode()
    assert world.mine.family_name in page and f'data-summary="{world.mine.pk}"' in page
    assert f'data-summary="{world.other.pk}"' not in page
    # Another prosecutor's office is not named: nothing, and a 404 on the summary.
    other_da = Agency.objects.create(name="Special Prosecutor", kind=Agency.Kind.PROSECUTOR)
    stranger = UserFactory.create(username="sp", role="prosecutor", agency=other_da)
    assert (
        f'data-summary="{world.mine.pk}"' not in verified_client(stranger).get("/summaries/").content.decode()
    )
    assert summary(world, stranger).status_code == 404
    # A defender holds no criminal-justice consent at all.
    assert summary(world, world["defender"]).status_code == 404


def test_a_revoked_consent_stops_the_disclosure_at_once(content):
    world = content
    consent, _ = record_cj(world)
    assert summary(world).status_code == 200
    with pytest.raises(services.ConsentRefused) as refused:  # Part 2: in writing only
        services.consent_revoke(actor=world["case_manager"], consent=consent, note="Said so on the phone")
    assert refused.value.field == "signature"
    services.consent_revoke(
        actor=world["case_manager"],
        consent=consent,
        note="Signed a revocation at the office",
        document=signature(),
    )
    consent.refresh_from_db()
    assert consent.end_reason == "revoked" and consent.revocation_method == "written"
    assert ConsentDocument.objects.filter(consent=consent, purpose="revocation").exists()
    assert summary(world).status_code == 404
    answers = may_disclose(recipient=world["prosecutor"], participant_ids=[world.mine.pk], info=Info.STATUS)
    assert not answers.allowed(world.mine.pk)
    assert Disclosure.objects.filter(consent=consent).count() == 1  # the one before, none after


def test_an_expired_consent_stops_the_disclosure(content):
    world = content
    consent, _ = record_cj(world, expires_on=clock.today() + timedelta(days=10))
    assert summary(world).status_code == 200
    with time_machine.travel(clock.now() + timedelta(days=12)):
        assert summary(world).status_code == 404
        # By the row's marker, not the name: a generated name like "Ho" is also in "Home".
        listing = verified_client(world["prosecutor"]).get("/summaries/").content.decode()
        assert f'data-summary="{world.mine.pk}"' not in listing and "data-empty" in listing
    # An expired consent can be replaced by a new one (the old one is closed, not revoked).
    with time_machine.travel(clock.now() + timedelta(days=12)):
        renewed, created = record_cj(world, expires_on=clock.today() + timedelta(days=60))
    consent.refresh_from_db()
    assert created and consent.end_reason == "replaced" and renewed.pk != consent.pk


def test_an_irrevocable_2_35_consent_cannot_be_revoked_before_its_event(content):
    world = content
    consent, _ = record_cj(world, irrevocable=True, irrevocable_event="final disposition of the charge")
    assert "cannot revoke this consent before final disposition of the charge" in consent.form_text
    with pytest.raises(services.ConsentRefused, match="irrevocable"):
        services.consent_revoke(
            actor=world["case_manager"], consent=consent, note="Wants out", document=signature()
        )
    # Through the page, too: refused, nothing changes, the prosecutor still sees the summary.
    client = verified_client(world["case_manager"])
    response = client.post(
        f"/participants/{world.mine.pk}/consents/{consent.pk}/revoke/",
        {"from": "consent", "note": "Wants out", "signature": data_url(png_signature())},
    )
    assert response.status_code == 400 and "irrevocable" in response.content.decode()
    consent.refresh_from_db()
    assert consent.ended_at is None and summary(world).status_code == 200
    # The event happens (recorded, audited): now it can be revoked, in writing.
    services.consent_event(actor=world["case_manager"], consent=consent, which="irrevocable",
                           note="Charge dismissed on 2026-11-20")  # fmt: skip
    services.consent_revoke(
        actor=world["case_manager"], consent=consent, note="Wants out", document=signature()
    )
    assert summary(world).status_code == 404


def test_an_irrevocable_until_date_consent_can_be_revoked_the_day_after(world):
    until = clock.today() + timedelta(days=30)
    consent, _ = record_cj(world, irrevocable=True, irrevocable_until=until)
    with pytest.raises(services.ConsentRefused):
        services.consent_revoke(
            actor=world["case_manager"], consent=consent, note="Wants out", document=signature()
        )
    with time_machine.travel(clock.now() + timedelta(days=32)):
        services.consent_revoke(
            actor=world["case_manager"], consent=consent, note="Wants out", document=signature()
        )
    consent.refresh_from_db()
    assert consent.end_reason == "revoked"


def test_only_a_2_35_consent_may_be_irrevocable(world):
    with pytest.raises(services.ConsentRefused) as refused:
        services.consent_record(
            actor=world["case_manager"], participant=world.mine, kind="part2", method="written",
            recipient_kind="defender", recipient_agency=world["defender"].agency,
            purpose="To help my defence",
            expires_on=clock.today() + timedelta(days=30), irrevocable=True,
            irrevocable_event="the end of the case",
        )  # fmt: skip
    assert refused.value.field == "irrevocable"


def test_the_event_a_consent_ends_at_ends_it(content):
    world = content
    consent, _ = record_cj(world, expiry_event="my charge is dismissed")
    assert "whichever comes first" in consent.form_text
    services.consent_event(
        actor=world["case_manager"], consent=consent, which="expiry", note="Dismissed today"
    )
    consent.refresh_from_db()
    assert consent.end_reason == "expiry_event" and summary(world).status_code == 404


def test_the_firewall_wins_over_any_consent(content):
    """Even a consent row that (wrongly) names treatment information for a prosecutor opens nothing."""
    world = content
    consent, _ = record_cj(world)
    Consent.objects.filter(pk=consent.pk).update(categories=[*consent.categories, Info.SUD_PROGRESS,
                                                             Info.PLAN_PROGRESS])  # fmt: skip
    answers = may_disclose(
        recipient=world["prosecutor"], participant_ids=[world.mine.pk], info=Info.SUD_PROGRESS
    )
    assert answers.decisions[world.mine.pk].reason == "firewall"
    page = summary(world).content.decode()
    assert 'data-section="sud_progress"' not in page and "Substance use" not in page
    assert 'data-section="plan_progress"' in page and "Housing" in page and MARKER not in page


def test_a_provider_sees_substance_use_progress_only_when_the_2_31_consent_names_it(content):
    world = content
    provider = world["provider_staff"]
    services.consent_record(
        actor=world["case_manager"], participant=world.mine, kind="part2", method="written",
        recipient_kind="provider", recipient_agency=provider.agency,
        purpose="To coordinate my treatment and housing",
        categories=(Info.PLAN_PROGRESS, Info.SUD_PROGRESS),
        expires_on=clock.today() + timedelta(days=90),
        signature=signature(),
    )  # fmt: skip
    page = summary(world, provider).content.decode()
    assert 'data-section="sud_progress"' in page and "First steps taken" in page
    assert MARKER not in page and 'data-section="status"' not in page
    # The defender's office is not this consent's recipient.
    assert summary(world, world["defender"]).status_code == 404


def test_the_referring_officer_hears_housed_only_when_the_opt_in_names_it(world):
    from leadline.demo.testing import make_referral
    from leadline.referrals.models import Referral

    referral = make_referral(world["officer"], given_name="Hal", family_name="Housed")
    Referral.objects.filter(pk=referral.pk).update(participant=world.mine)
    MonthlyStatus.objects.create(participant=world.mine, month=clock.today().replace(day=1),
                                 housing="permanent", employed="no", income_or_benefits="yes",
                                 recorded_by=world["case_manager"], recorded_at=clock.now())  # fmt: skip
    client = verified_client(world["officer"])
    api = client.get(f"/api/v1/referrals/{referral.pk}/").json()
    assert (
        api["outcome"] in ("engaged", "not_yet_engaged") and api["housed"] is None
    )  # opt-in: engagement only
    services.consent_revoke(actor=world["case_manager"], consent=world.consent, note="Replacing with housed")
    services.consent_record(actor=world["case_manager"], participant=world.mine, kind="officer_feedback",
                            method="verbal", categories=(Info.ENGAGEMENT, Info.HOUSED))  # fmt: skip
    api = client.get(f"/api/v1/referrals/{referral.pk}/").json()
    assert api["housed"] is True
    page = client.get(f"/referrals/{referral.pk}/").content.decode()
    assert 'data-housed="yes"' in page
    shown = Disclosure.objects.filter(recipient=world["officer"]).order_by("-disclosed_at", "-id")
    assert shown[0].categories == ["engagement", "housed"]
    assert {d.channel for d in shown} == {"api", "page"} and all(d.notice is None for d in shown)


def test_signatures_are_checked_by_content(world):
    with pytest.raises(DocumentRefused, match="empty"):
        drawn_signature(data_url(png_signature(ink=False)))
    with pytest.raises(DocumentRefused):
        drawn_signature("data:image/png;base64," + base64.b64encode(b"<script>alert(1)</script>").decode())
    with pytest.raises(DocumentRefused):
        drawn_signature("javascript:alert(1)")
    with pytest.raises(DocumentRefused, match="PDF, PNG or JPEG"):
        uploaded_document(SimpleUploadedFile("signed.pdf", b"<html>not a pdf</html>", "application/pdf"))
    with pytest.raises(DocumentRefused, match="image"):
        uploaded_document(SimpleUploadedFile("s.png", b"\x89PNG\r\n\x1a\n" + b"junk" * 20, "image/png"))
    pdf = uploaded_document(SimpleUploadedFile("s.pdf", sample_signed_pdf(), "application/pdf"))
    assert pdf.content_type == "application/pdf" and pdf.method == "uploaded"


def test_signing_by_upload_through_the_page_and_the_documents_stay_inside_the_program(world):
    consent, _ = record_cj(world, sign=False)
    client = verified_client(world["case_manager"])
    base = f"/participants/{world.mine.pk}/consents/{consent.pk}/"
    empty = client.post(f"{base}sign/", {})
    assert (
        empty.status_code == 400 and "Sign in the box, or upload the signed paper." in empty.content.decode()
    )
    scan = SimpleUploadedFile("signed.pdf", sample_signed_pdf(), "application/pdf")
    assert client.post(f"{base}sign/", {"upload": scan}).status_code == 302
    consent.refresh_from_db()
    assert consent.signed_at is not None
    doc = client.get(f"{base}documents/signature/")
    assert doc.status_code == 200 and doc["Content-Type"] == "application/pdf"
    assert doc["Content-Disposition"].startswith("attachment") and "no-store" in doc["Cache-Control"]
    for persona in ("officer", "prosecutor", "defender", "provider_staff", "evaluator", "site_admin"):
        c = verified_client(world[persona])
        assert c.get(f"{base}documents/signature/").status_code in (403, 404), persona
        assert c.get(f"{base}form.pdf").status_code in (403, 404), persona
        assert c.get(base).status_code in (403, 404), persona


def test_the_printable_form_carries_every_element_and_the_signature(world):
    from pypdf import PdfReader

    consent, _ = record_cj(world, irrevocable=True, irrevocable_event="final disposition")
    response = verified_client(world["case_manager"]).get(
        f"/participants/{world.mine.pk}/consents/{consent.pk}/form.pdf"
    )
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    text = " ".join(page.extract_text() for page in reader.pages).replace("\n", " ")
    for expected in (consent.participant_name, "Who may disclose", "District Attorney", "What information",
                     "Purpose", "Expires", "Cannot be revoked before", "final disposition", "in writing",
                     "Signed on the screen"):  # fmt: skip
        assert expected in text, expected
    assert any(page.images for page in reader.pages)  # the drawn signature
    # Unsigned: blank lines to sign on paper.
    draft, _ = services.consent_record(
        actor=world["case_manager"], participant=world.mine, kind="part2", method="written",
        recipient_kind="defender", recipient_agency=world["defender"].agency, purpose="To help my defence",
        expires_on=clock.today() + timedelta(days=30),
    )  # fmt: skip
    blank = verified_client(world["case_manager"]).get(
        f"/participants/{world.mine.pk}/consents/{draft.pk}/form.pdf"
    )
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(blank.content)).pages)
    assert "Signature of the participant" in text


def test_the_form_is_in_the_participants_language(world):
    Participant.objects.filter(pk=world.mine.pk).update(language="es")
    world.mine.refresh_from_db()
    consent, _ = record_cj(world)
    assert consent.language == "es"
    assert "por escrito" in consent.form_text  # "in writing", in Spanish


def test_the_summary_pages_run_a_bounded_number_of_queries(content, django_assert_max_num_queries):
    world = content
    carmen = world["case_manager"]
    for i in range(12):
        person = Participant.objects.create(
            given_name=f"P{i}", family_name="Crowd", case_manager=carmen, status="active",
            created_at=clock.now(), updated_at=clock.now(),
        )  # fmt: skip
        services.consent_record(
            actor=carmen, participant=person, kind="criminal_justice", method="written",
            recipient_kind="prosecutor", recipient_agency=da(world),
            categories=(Info.STATUS, Info.ATTENDANCE, Info.PLAN_PROGRESS, Info.LIVING),
            purpose="So the DA can follow my LEAD diversion", expires_on=clock.today() + timedelta(days=90),
            signature=signature(),
        )  # fmt: skip
    client = verified_client(world["prosecutor"])
    # The list asks the decision point before it paginates (a restricted person is not counted): one more.
    with django_assert_max_num_queries(25):
        assert client.get("/summaries/").status_code == 200
    with django_assert_max_num_queries(24):
        assert client.get(f"/summaries/{person.pk}/").status_code == 200


def test_the_event_a_consent_ends_at_cannot_end_an_irrevocable_one_early(content):
    world = content
    consent, _ = record_cj(world, expiry_event="my charge is dismissed", irrevocable=True,
                           irrevocable_event="final disposition")  # fmt: skip
    with pytest.raises(services.ConsentRefused, match="irrevocable"):
        services.consent_event(actor=world["case_manager"], consent=consent, which="expiry", note="Dismissed")
    assert summary(world).status_code == 200
    services.consent_event(actor=world["case_manager"], consent=consent, which="irrevocable", note="Disposed")
    services.consent_event(actor=world["case_manager"], consent=consent, which="expiry", note="Dismissed")
    assert summary(world).status_code == 404


def test_new_terms_for_an_open_consent_are_refused_not_silently_dropped(world):
    record_cj(world)
    with pytest.raises(services.ConsentRefused, match="already open"):
        record_cj(world, categories=(Info.STATUS,))
    assert Consent.objects.filter(kind="criminal_justice", ended_at__isnull=True).count() == 1


def test_a_defender_consent_cannot_promise_substance_use_information(world):
    with pytest.raises(services.ConsentRefused) as refused:
        services.consent_record(
            actor=world["case_manager"], participant=world.mine, kind="part2", method="written",
            recipient_kind="defender", recipient_agency=world["defender"].agency,
            purpose="To help my defence",
            categories=(Info.SUD_PROGRESS,), expires_on=clock.today() + timedelta(days=30),
        )  # fmt: skip
    assert refused.value.field == "categories"


def test_irrevocable_until_a_date_means_revocable_on_that_date(world):
    until = clock.today() + timedelta(days=30)
    consent, _ = record_cj(world, irrevocable=True, irrevocable_until=until)
    with time_machine.travel(clock.now() + timedelta(days=30)):
        services.consent_revoke(
            actor=world["case_manager"], consent=consent, note="Wants out", document=signature()
        )


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")  # Pillow warns; we refuse
def test_oversized_images_are_refused_before_they_are_decoded():
    bomb = io.BytesIO()
    Image.new("1", (13_000, 13_000)).save(bomb, "PNG")  # small file, 169 megapixels
    with pytest.raises(DocumentRefused, match="too large"):
        drawn_signature(data_url(bomb.getvalue()))
    with pytest.raises(DocumentRefused, match="too large"):
        uploaded_document(SimpleUploadedFile("scan.png", bomb.getvalue(), "image/png"))


def test_an_uploaded_scan_loses_its_metadata():
    image = Image.new("RGB", (800, 1000), (250, 250, 250))
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (43.0, 9.0, 0.0), 3: "W", 4: (77.0, 36.0, 0.0)}  # where it was photographed
    raw = io.BytesIO()
    image.save(raw, "JPEG", exif=exif)
    doc = uploaded_document(SimpleUploadedFile("scan.jpg", raw.getvalue(), "image/jpeg"))
    assert doc.content_type == "image/jpeg" and not Image.open(io.BytesIO(doc.data)).getexif()


def test_a_pdf_that_runs_something_when_opened_is_refused():
    from pypdf import PdfWriter
    from pypdf.generic import DictionaryObject, NameObject, TextStringObject

    writer = PdfWriter()
    writer.add_blank_page(612, 792)
    script = DictionaryObject(
        {NameObject("/S"): NameObject("/JavaScript"), NameObject("/JS"): TextStringObject("app.alert(1)")}
    )
    writer.root_object[NameObject("/OpenAction")] = writer._add_object(script)
    out = io.BytesIO()
    writer.write(out)
    with pytest.raises(DocumentRefused, match="scripts or actions"):
        uploaded_document(SimpleUploadedFile("signed.pdf", out.getvalue(), "application/pdf"))
    assert uploaded_document(SimpleUploadedFile("signed.pdf", sample_signed_pdf(), "application/pdf")).data


def test_a_merged_duplicate_is_never_summarised(content):
    world = content
    record_cj(world)
    Participant.objects.filter(pk=world.mine.pk).update(merged_into=world.other)
    assert summary(world).status_code == 404
