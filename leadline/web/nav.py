"""Role-aware navigation: each entry names the capability that opens it.

Domain apps add their entries here as they are built; the shell shows an entry only when
policy.can() says the user holds its capability, so navigation never offers what a page refuses.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from leadline.accounts import policy


@dataclass(frozen=True)
class NavEntry:
    key: str
    label: str | Promise
    url_name: str
    capability: str | None  # None: every signed-in user

    def url(self) -> str:
        return reverse(self.url_name)


NAV: list[NavEntry] = [
    NavEntry("home", _("Home"), "web:home", None),
    NavEntry("notifications", _("Notifications"), "notifications:inbox", None),
    NavEntry("lookup", _("Is this person in LEAD?"), "lookup", "lookup.view"),
    NavEntry("refer", _("Refer someone"), "referrals:new", "referral.edit"),
    NavEntry("referrals", _("Referrals"), "referrals:list", "referral.view"),
    NavEntry("handoffs", _("Hand-offs"), "referrals:handoffs", "handoff.view"),
    NavEntry("dashboard", _("Referral dashboard"), "referrals:dashboard", "referral.view"),
    NavEntry("community", _("Refer to LEAD"), "referrals:community_new", "community_referral.edit"),
    NavEntry("community_list", _("Our referrals"), "referrals:community_list", "community_referral.view"),
    NavEntry("participants", _("Participants"), "participants:list", "participant_card.view"),
    NavEntry("caseloads", _("Caseloads"), "cases:caseloads", "caseload.view"),
    NavEntry("waiting", _("Waiting for a case manager"), "referrals:waiting", "caseload.edit"),
    NavEntry("outreach", _("Outreach"), "cases:outreach", "contact.edit"),
    NavEntry("legal", _("Legal matters"), "legal:workspace", "legal_matter.view"),
    NavEntry("disclosure_requests", _("Disclosure requests"), "disclosure_requests:due", "consent.view"),
    NavEntry("directory", _("Services"), "directory:search", "directory.view"),
    NavEntry("service_referrals", _("Service referrals"), "directory:referrals", "service_referral.view"),
    NavEntry("workgroup", _("Workgroup"), "workgroup:index", "workgroup.view"),
    NavEntry("messages", _("Messages"), "messaging:list", "message.view"),
    NavEntry("summaries", _("Progress summaries"), "summaries:list", "progress_summary.view"),
    NavEntry("evidence", _("Evidence"), "evaluation:evidence", "evaluation.view"),
    NavEntry("operations", _("Operations dashboard"), "operations:dashboard", "operations.view"),
    NavEntry("policy_pack", _("Policy group pack"), "policy_pack:pack", "policy_pack.view"),
    NavEntry("audit", _("Audit reports"), "audit:index", "audit_report.view"),
    NavEntry("sealing", _("Sealing report"), "legal:sealing", "sealing_report.view"),
    NavEntry("break_glass", _("Break-glass access"), "audit:break_glass", "break_glass.edit"),
    NavEntry("outbox", _("Notification outbox"), "outbox:index", "notification_outbox.view"),
    NavEntry("site", _("Site configuration"), "sites:detail", "site_config.view"),
    NavEntry("admin", _("Administration"), "admin:index", "user_account.edit"),
]

# Not work: the account's own settings, shown beside "Sign out" rather than in the main menu (issue #17).
ACCOUNT: list[NavEntry] = [
    NavEntry("tokens", _("API tokens"), "accounts:tokens", "api_token.view"),
    NavEntry("api_docs", _("API documentation"), "api-docs", "api_token.view"),
]


def _open_to(user, entries: list[NavEntry]) -> list[NavEntry]:
    if not user.is_authenticated:
        return []
    return [e for e in entries if e.capability is None or policy.can(user, e.capability)]


def nav_for(user) -> list[NavEntry]:
    return _open_to(user, NAV)


def account_for(user) -> list[NavEntry]:
    """The account's links (not work): beside "Sign out" in the header."""
    return _open_to(user, ACCOUNT)
