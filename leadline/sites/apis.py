from __future__ import annotations

from drf_spectacular.utils import OpenApiTypes, extend_schema
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.response import Response

from leadline.accounts import policy
from leadline.accounts.decorators import AuthedApiRequest
from leadline.core.api import LeadlineApi, errors
from leadline.sites.selectors import site_get
from leadline.sites.services import site_export


class SiteApi(LeadlineApi):
    """The site's configuration in the same shape as the export file."""

    @extend_schema(responses={200: OpenApiTypes.OBJECT, **errors(403, 404)}, operation_id="site_retrieve")
    def get(self, request: AuthedApiRequest) -> Response:
        if not policy.can(request.user, "site_config.view"):
            raise PermissionDenied
        site = site_get()
        if site is None:
            raise NotFound
        return Response(site_export(site=site))
