from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from . import eligibility, estimates, intakes
from .partner import applications, auth, leads, webhooks

urlpatterns = [
    path("api/v1/intakes/", intakes.IntakeCreateApi.as_view(), name="api-intake-create"),
    path(
        "api/v1/intakes/<int:intake_id>/",
        intakes.IntakeDetailApi.as_view(),
        name="api-intake-detail",
    ),
    path(
        "api/v1/intakes/<int:intake_id>/setup/",
        intakes.IntakeSetupApi.as_view(),
        name="api-intake-setup",
    ),
    path("api/v1/estimates/", estimates.EstimateApi.as_view(), name="api-estimate"),
    path("api/v1/eligibility/", eligibility.EligibilityApi.as_view(), name="api-eligibility"),
    path("api/v1/auth/token/", auth.AuthTokenApi.as_view(), name="api-auth-token"),
    path("api/v1/partner/leads/", leads.PartnerLeadListApi.as_view(), name="api-partner-lead-list"),
    path(
        "api/v1/partner/leads/<int:lead_id>/",
        leads.PartnerLeadDetailApi.as_view(),
        name="api-partner-lead-detail",
    ),
    path(
        "api/v1/partner/leads/<int:lead_id>/accept/",
        leads.PartnerLeadAcceptApi.as_view(),
        name="api-partner-lead-accept",
    ),
    path(
        "api/v1/partner/leads/<int:lead_id>/decline/",
        leads.PartnerLeadDeclineApi.as_view(),
        name="api-partner-lead-decline",
    ),
    path(
        "api/v1/partner/applications/",
        applications.PartnerApplicationCollectionApi.as_view(),
        name="api-partner-application-list",
    ),
    path(
        "api/v1/partner/applications/<int:application_id>/",
        applications.PartnerApplicationDetailApi.as_view(),
        name="api-partner-application-detail",
    ),
    path(
        "api/v1/partner/applications/<int:application_id>/transition/",
        applications.PartnerApplicationTransitionApi.as_view(),
        name="api-partner-application-transition",
    ),
    path(
        "api/v1/partner/applications/<int:application_id>/file-with-ace/",
        applications.PartnerApplicationFileWithAceApi.as_view(),
        name="api-partner-application-file-with-ace",
    ),
    path(
        "api/v1/partner/webhooks/",
        webhooks.PartnerWebhookCollectionApi.as_view(),
        name="api-partner-webhook-list",
    ),
    path(
        "api/v1/partner/webhooks/<int:webhook_id>/",
        webhooks.PartnerWebhookDetailApi.as_view(),
        name="api-partner-webhook-detail",
    ),
    path(
        "api/v1/partner/webhooks/<int:webhook_id>/rotate/",
        webhooks.PartnerWebhookRotateApi.as_view(),
        name="api-partner-webhook-rotate",
    ),
    path(
        "api/v1/partner/webhooks/<int:webhook_id>/deliveries/",
        webhooks.PartnerWebhookDeliveriesApi.as_view(),
        name="api-partner-webhook-deliveries",
    ),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves its init script as a file (?script): no inline script for the CSP.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
]
