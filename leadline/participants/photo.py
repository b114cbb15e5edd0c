"""A participant's optional photo: upload (re-encoded, EXIF stripped), replace, remove, and serve."""

from __future__ import annotations

import hashlib
import io

from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods
from PIL import Image, ImageOps, UnidentifiedImageError

from leadline.accounts.decorators import AuthedRequest, capability_required
from leadline.accounts.models import User
from leadline.audit.models import AuditEvent
from leadline.audit.services import audit_record
from leadline.core import clock, refusals
from leadline.participants.models import Participant, ParticipantPhoto
from leadline.participants.policy import participant_access
from leadline.participants.selectors import participant_get_for
from leadline.participants.services import NotAllowed
from leadline.participants.views import _detail_context

MAX_UPLOAD_BYTES = 8_000_000
MAX_SIDE = 640
MAX_PIXELS = 40_000_000


class PhotoRefused(refusals.Refused):
    """The upload is not a photo we keep (a 400 on the photo field)."""

    def __init__(self, message: str):
        super().__init__(message, "photo")


def reencode(raw: bytes) -> bytes:
    """Any PNG/JPEG/WebP in, a small JPEG out, upright, with no metadata."""
    if len(raw) > MAX_UPLOAD_BYTES:
        raise PhotoRefused(_("The photo is larger than 8 MB."))
    try:
        with Image.open(io.BytesIO(raw)) as probe:
            if probe.format not in ("PNG", "JPEG", "WEBP"):
                raise PhotoRefused(_("Upload a photo as JPEG, PNG or WebP."))
            if probe.size[0] * probe.size[1] > MAX_PIXELS:  # checked before decoding: no bombs
                raise PhotoRefused(_("The photo is too large: at most 40 megapixels."))
            probe.verify()
        image = ImageOps.exif_transpose(Image.open(io.BytesIO(raw)))
        image = image.convert("RGB")
        image.thumbnail((MAX_SIDE, MAX_SIDE))
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise PhotoRefused(_("The file could not be read as a photo.")) from exc
    out = io.BytesIO()
    image.save(out, "JPEG", quality=82, optimize=True)  # no exif= argument: nothing carried over
    return out.getvalue()


def participant_photo_set(*, actor: User, participant: Participant, raw: bytes | None) -> None:
    """Set (raw bytes) or remove (None) the photo; audited with a hash, never the image."""
    if not participant_access(actor, participant).has("participant_record.edit"):
        raise NotAllowed
    data = reencode(raw) if raw is not None else None
    with transaction.atomic(durable=True):
        # One photo per participant: the row lock makes a double submit wait, then replace.
        Participant.objects.select_for_update().filter(pk=participant.pk).first()
        ParticipantPhoto.objects.filter(participant=participant).delete()
        digest = ""
        if data is not None:
            digest = hashlib.sha256(data).hexdigest()
            ParticipantPhoto.objects.create(
                participant=participant, data=data, sha256=digest, added_by=actor, added_at=clock.now()
            )
        audit_record(
            actor=actor, action=AuditEvent.Action.UPDATE, subject_type="participant_photo",
            subject_id=participant.pk, participant_id=participant.pk,
            changes={"photo": "set" if data is not None else "removed", "sha256": digest},
        )  # fmt: skip


@capability_required("participant_card.view")
@require_http_methods(["GET", "POST"])
@never_cache
def photo(request: AuthedRequest, participant_id: int) -> HttpResponse:
    """GET: the photo (whoever may see the participant's card: case managers, outreach, the program
    manager). POST: set, replace or remove it (participant_record.edit)."""
    view = participant_get_for(user=request.user, participant_id=participant_id, reason="photo")
    if request.method == "GET":
        row = ParticipantPhoto.objects.filter(participant=view.participant).first()
        if row is None:
            raise Http404
        response = HttpResponse(bytes(row.data), content_type="image/jpeg")
        response["Content-Security-Policy"] = "default-src 'none'; sandbox"
        return response
    if not view.access.has("participant_record.edit") or view.participant.merged_into_id:
        raise Http404
    upload = request.FILES.get("photo")
    try:
        if request.POST.get("remove"):
            participant_photo_set(actor=request.user, participant=view.participant, raw=None)
            messages.success(request, _("Photo removed."))
        elif upload is None:
            raise PhotoRefused(_("Photo: choose a file to upload."))
        elif upload.size and upload.size > MAX_UPLOAD_BYTES:
            raise PhotoRefused(_("The photo is larger than 8 MB."))
        else:
            participant_photo_set(actor=request.user, participant=view.participant, raw=upload.read())
            messages.success(request, _("Photo saved."))
    except PhotoRefused as exc:
        ctx = _detail_context(request, participant_id, photo_error=exc.message)
        return render(request, "participants/detail.html", ctx, status=400)
    return redirect("participants:detail", participant_id=participant_id)
