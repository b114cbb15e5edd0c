"""A participant's consents: what may leave the program, to whom, for what, until when — and the log of
every disclosure made under one.

Three kinds share one model and one decision point (consents.policy.may_disclose):
- the officer-feedback opt-in of PRODUCT.md §2 (a referring officer hears "engaged" / "housed");
- a 42 CFR 2.31 consent to a named recipient (a provider, the participant's defender);
- a 42 CFR 2.35 criminal-justice consent (the liaison prosecutor), which may be irrevocable until a
  stated date or event.
Each stores every 2.31 element as the participant agreed to it, including the full text they read
(``form_text``), so a later change of wording never changes what an old consent said.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Consent(models.Model):
    class Kind(models.TextChoices):
        OFFICER_FEEDBACK = "officer_feedback", _("Tell the referring officer how I am doing")
        PART2 = "part2", _("Share information with a named recipient (42 CFR 2.31)")
        CRIMINAL_JUSTICE = (
            "criminal_justice",
            _("Share my progress with the criminal-justice system (42 CFR 2.35)"),
        )

    class Method(models.TextChoices):
        VERBAL = "verbal", _("Said so to the case manager")
        WRITTEN = "written", _("In writing")

    class RecipientKind(models.TextChoices):
        REFERRING_OFFICER = "referring_officer", _("The police officer(s) who referred me")
        PROSECUTOR = "prosecutor", _("The liaison prosecutor's office")
        DEFENDER = "defender", _("My defence lawyer's office")
        PROVIDER = "provider", _("A service provider")

    class EndReason(models.TextChoices):
        REVOKED = "revoked", _("Revoked by the participant")
        EXPIRY_EVENT = "expiry_event", _("The event it ended on happened")
        REPLACED = "replaced", _("Expired and replaced by a new consent")
        NOT_SIGNED = "not_signed", _("Withdrawn before it was signed")

    participant = models.ForeignKey(
        "participants.Participant", on_delete=models.PROTECT, related_name="consents"
    )
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    # --- The 2.31(a) elements, as the participant agreed to them ---
    participant_name = models.CharField(_("name of the participant"), max_length=200, blank=True)
    discloser = models.CharField(_("who may disclose"), max_length=300, blank=True)
    recipient_kind = models.CharField(
        _("to whom"), max_length=24, choices=RecipientKind.choices, default=RecipientKind.REFERRING_OFFICER
    )
    recipient_agency = models.ForeignKey(
        "accounts.Agency", verbose_name=_("recipient organisation"), on_delete=models.PROTECT,
        null=True, blank=True, related_name="+",
    )  # fmt: skip
    recipient = models.CharField(_("to whom"), max_length=300)  # the recipient as written on the form
    categories = models.JSONField(_("what information"), default=list)  # consents.policy.Info codes
    information = models.CharField(_("what information"), max_length=600)
    purpose = models.CharField(_("purpose"), max_length=300)
    wording_version = models.CharField(max_length=20)
    language = models.CharField(_("language of the form"), max_length=8, default="en")
    form_text = models.TextField(_("the text the participant agreed to"), blank=True)
    expires_on = models.DateField(_("expires"), null=True, blank=True)
    expiry_event = models.CharField(_("or ends at this event"), max_length=300, blank=True)
    # 2.35 only: may not be revoked before this date or event (whichever comes first).
    irrevocable = models.BooleanField(_("irrevocable until a date or event"), default=False)
    irrevocable_until = models.DateField(_("irrevocable until"), null=True, blank=True)
    irrevocable_event = models.CharField(_("irrevocable until this event"), max_length=300, blank=True)
    irrevocable_event_at = models.DateTimeField(null=True, blank=True)
    # --- How it was given and signed ---
    method = models.CharField(_("how it was given"), max_length=16, choices=Method.choices)
    given_at = models.DateTimeField(_("given"))
    signed_by_name = models.CharField(_("signed by"), max_length=200, blank=True)
    signer_relationship = models.CharField(_("signer, if not the participant"), max_length=100, blank=True)
    signed_at = models.DateTimeField(_("signed"), null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    policy_version = models.ForeignKey(
        "sites.PolicyVersion", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # --- How it ended ---
    ended_at = models.DateTimeField(null=True, blank=True)
    end_reason = models.CharField(max_length=16, choices=EndReason.choices, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    revocation_method = models.CharField(max_length=16, choices=Method.choices, blank=True)
    revocation_note = models.CharField(_("revocation note"), max_length=500, blank=True)

    class Meta:
        ordering = ["-given_at", "-id"]
        indexes = [models.Index(fields=["participant", "kind", "ended_at"])]
        constraints = [
            # One open consent per kind and recipient: a double submit records one, and a change of
            # terms means revoking the old one (in writing, for Part 2) and signing a new one.
            models.UniqueConstraint(
                fields=["participant", "kind", "recipient_kind"],
                condition=models.Q(ended_at__isnull=True, recipient_agency__isnull=True),
                name="one_open_consent_per_kind",
            ),
            models.UniqueConstraint(
                fields=["participant", "kind", "recipient_kind", "recipient_agency"],
                condition=models.Q(ended_at__isnull=True, recipient_agency__isnull=False),
                name="one_open_consent_per_recipient",
            ),
        ]
        verbose_name = _("consent")

    def __str__(self) -> str:
        return f"consent #{self.pk}"

    @property
    def is_part2(self) -> bool:
        return self.kind in (self.Kind.PART2, self.Kind.CRIMINAL_JUSTICE)

    @property
    def needs_signature(self) -> bool:
        return self.is_part2 and self.signed_at is None


class ConsentDocument(models.Model):
    """A signature drawn on the screen, or a signed paper form or written revocation scanned and
    uploaded. Kept in the database (not a file store) so it is backed up, sealed and purged with the
    record it belongs to, and served only through the participant's access check."""

    class Purpose(models.TextChoices):
        SIGNATURE = "signature", _("Signature")
        REVOCATION = "revocation", _("Written revocation")

    class Method(models.TextChoices):
        DRAWN = "drawn", _("Signed on the screen")
        UPLOADED = "uploaded", _("Signed on paper and uploaded")

    consent = models.ForeignKey(Consent, on_delete=models.CASCADE, related_name="documents")
    purpose = models.CharField(max_length=16, choices=Purpose.choices)
    method = models.CharField(max_length=16, choices=Method.choices)
    content_type = models.CharField(max_length=40)
    data = models.BinaryField()
    sha256 = models.CharField(max_length=64)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    added_at = models.DateTimeField()

    class Meta:
        ordering = ["added_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["consent", "purpose"], name="one_document_per_purpose")
        ]

    def __str__(self) -> str:
        return f"{self.purpose} of consent #{self.consent_id}"


class DisclosureNotice(models.Model):
    """The 42 CFR 2.32 notice that accompanies every disclosure under a Part 2 consent, versioned: the
    text is never edited in place; a new wording is a new version."""

    version = models.CharField(max_length=40, unique=True)
    text = models.TextField()
    effective_from = models.DateField()

    class Meta:
        ordering = ["-effective_from", "-id"]

    def __str__(self) -> str:
        return self.version


class Disclosure(models.Model):
    """One showing of participant information to someone outside the program under a consent: to
    whom, what, when, through which channel, under which consent, notice and policy version."""

    class Channel(models.TextChoices):
        PAGE = "page", _("Page")
        API = "api", _("API")

    disclosed_at = models.DateTimeField()
    participant = models.ForeignKey(
        "participants.Participant", on_delete=models.PROTECT, related_name="disclosures"
    )
    consent = models.ForeignKey(Consent, on_delete=models.PROTECT, related_name="disclosures")
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recipient_role = models.CharField(max_length=32)
    categories = models.JSONField(default=list)
    channel = models.CharField(max_length=8, choices=Channel.choices)
    notice = models.ForeignKey(DisclosureNotice, on_delete=models.PROTECT, null=True, blank=True)
    policy_version = models.ForeignKey(
        "sites.PolicyVersion", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-disclosed_at", "-id"]
        indexes = [
            models.Index(fields=["participant", "disclosed_at"]),
            models.Index(fields=["consent", "disclosed_at"]),
        ]

    def __str__(self) -> str:
        return f"disclosure #{self.pk}"


class AccountingRequest(models.Model):
    """A participant's request for an accounting of the disclosures made under their consents
    (42 CFR 2.25, answered as 45 CFR 164.528 says): who asked, when it was received, the period chosen
    (three years back at most), the 60-day answer clock and its one 30-day extension, and the answer."""

    ANSWER_DAYS = 60
    EXTENSION_DAYS = 30
    MAX_YEARS = 3

    participant = models.ForeignKey(
        "participants.Participant", on_delete=models.PROTECT, related_name="accounting_requests"
    )
    requested_by_name = models.CharField(_("who asked"), max_length=200)
    requester_relationship = models.CharField(_("if not the participant: their authority"), max_length=100,
                                              blank=True)  # fmt: skip
    received_on = models.DateField(_("received on"))
    period_start = models.DateField(_("disclosures since"))
    period_end = models.DateField(_("disclosures until"))
    due_on = models.DateField(_("answer due by"))
    language = models.CharField(_("language of the answer"), max_length=8, default="en")
    extended_at = models.DateTimeField(null=True, blank=True)
    extension_reason = models.CharField(_("reason for the delay"), max_length=500, blank=True)
    extension_told_on = models.DateField(_("participant told in writing on"), null=True, blank=True)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    disclosures_listed = models.PositiveIntegerField(null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()
    idempotency_key = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["-received_on", "-id"]
        indexes = [models.Index(fields=["answered_at", "due_on"])]
        verbose_name = _("request for an accounting of disclosures")

    def __str__(self) -> str:
        return f"accounting request #{self.pk}"


class DisclosureRestriction(models.Model):
    """A participant's request that information not go to a recipient (42 CFR 2.26), with the program's
    answer. Once agreed, the decision point (consents.policy.may_disclose_each) refuses what it names,
    whatever a consent allows, until it is lifted."""

    class Decision(models.TextChoices):
        AGREED = "agreed", _("Agreed: it is not disclosed")
        REFUSED = "refused", _("Refused")

    participant = models.ForeignKey(
        "participants.Participant", on_delete=models.PROTECT, related_name="disclosure_restrictions"
    )
    categories = models.JSONField(_("what information"), default=list)  # consents.policy.Info codes
    recipient_kind = models.CharField(_("to whom"), max_length=24, choices=Consent.RecipientKind.choices)
    recipient_agency = models.ForeignKey(
        "accounts.Agency", verbose_name=_("organisation"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="+",
    )  # fmt: skip  # none: every recipient of that kind
    request_text = models.CharField(_("the request, in the participant's words"), max_length=600)
    requested_on = models.DateField(_("asked on"))
    decision = models.CharField(_("the program's answer"), max_length=8, choices=Decision.choices)
    decision_reason = models.CharField(_("reason"), max_length=500)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField()
    lifted_at = models.DateTimeField(null=True, blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    lift_reason = models.CharField(_("why it ends"), max_length=500, blank=True)
    idempotency_key = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["-decided_at", "-id"]
        indexes = [models.Index(fields=["participant", "decision", "lifted_at"])]
        verbose_name = _("restriction on disclosure")

    def __str__(self) -> str:
        return f"restriction #{self.pk}"

    @property
    def in_force(self) -> bool:
        return self.decision == self.Decision.AGREED and self.lifted_at is None
