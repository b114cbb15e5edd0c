from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from leadline.accounts.admin_site import admin_login, configure_admin_site
from leadline.directory import hsds_urls
from leadline.evaluation import urls as evaluation_urls
from leadline.participants import lookup_views
from leadline.referrals import line_views

configure_admin_site(admin.site)

urlpatterns = [
    path("", include("leadline.web.urls")),
    path("", include("leadline.core.urls")),
    path("accounts/", include("leadline.accounts.urls")),
    path("referrals/", include("leadline.referrals.urls")),
    path("participants/", include("leadline.participants.urls")),
    path("participants/", include("leadline.cases.urls")),
    path("participants/<int:participant_id>/consents/", include("leadline.consents.urls")),
    path("summaries/", include("leadline.consents.summary_urls")),
    path("disclosure-requests/", include("leadline.consents.program_urls")),
    path("legal/", include("leadline.legal.urls")),
    path("evidence/", include("leadline.evaluation.urls")),
    path("directory/", include((hsds_urls.export_urlpatterns, "directory_hsds"))),
    path("directory/", include("leadline.directory.urls")),
    path("api/hsds/", include("leadline.directory.hsds_urls")),
    path("workgroup/", include("leadline.workgroup.urls")),
    path("policy-pack/", include("leadline.workgroup.pack_urls")),
    path("operations/", include("leadline.operations.urls")),
    path("messages/", include("leadline.messaging.urls")),
    path("notifications/outbox/", include("leadline.oversight.outbox_urls")),
    path("notifications/", include("leadline.notifications.urls")),
    path("", include((evaluation_urls.public_urlpatterns, "public"))),
    path("lookup/", lookup_views.lookup, name="lookup"),
    path("hooks/lead-line/", line_views.lead_line_inbound, name="lead-line-inbound"),
    path("audit/", include("leadline.oversight.urls")),
    path("site/", include("leadline.sites.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/login/", admin_login),
    path("admin/", admin.site.urls),
    path("api/v1/", include("config.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
]

handler403 = "leadline.core.errors.forbidden"
handler404 = "leadline.core.errors.not_found"
handler500 = "leadline.core.errors.server_error"
