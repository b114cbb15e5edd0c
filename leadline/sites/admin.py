from django.contrib import admin

from leadline.accounts.admin_site import CapabilityAdmin, CapabilityInline
from leadline.sites.models import EligibleOffence, Exclusion, PolicyVersion, Site


@admin.register(Site)
class SiteAdmin(CapabilityAdmin):
    list_display = ["name", "time_zone", "legal_mode", "caseload_soft_limit", "caseload_hard_limit"]


class OffenceInline(CapabilityInline):
    model = EligibleOffence


class ExclusionInline(CapabilityInline):
    model = Exclusion


@admin.register(PolicyVersion)
class PolicyVersionAdmin(CapabilityAdmin):
    list_display = ["label", "site", "effective_from", "effective_to", "minimum_age"]
    inlines = [OffenceInline, ExclusionInline]
