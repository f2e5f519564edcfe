from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from credits import api as credits_api
from matching import api as matching_api
from matching import partner_api, portal
from matching import views as matching_views
from workloads import api as workloads_api

from . import views

api_v1 = [
    path("api/v1/intakes/", matching_api.IntakeCreateApi.as_view(), name="api-intake-create"),
    path(
        "api/v1/intakes/<int:intake_id>/",
        matching_api.IntakeDetailApi.as_view(),
        name="api-intake-detail",
    ),
    path("api/v1/estimates/", workloads_api.EstimateApi.as_view(), name="api-estimate"),
    path("api/v1/eligibility/", credits_api.EligibilityApi.as_view(), name="api-eligibility"),
    path("api/v1/auth/token/", partner_api.AuthTokenApi.as_view(), name="api-auth-token"),
    path(
        "api/v1/partner/leads/",
        partner_api.PartnerLeadListApi.as_view(),
        name="api-partner-lead-list",
    ),
    path(
        "api/v1/partner/leads/<int:lead_id>/",
        partner_api.PartnerLeadDetailApi.as_view(),
        name="api-partner-lead-detail",
    ),
    path(
        "api/v1/partner/leads/<int:lead_id>/accept/",
        partner_api.PartnerLeadAcceptApi.as_view(),
        name="api-partner-lead-accept",
    ),
    path(
        "api/v1/partner/leads/<int:lead_id>/decline/",
        partner_api.PartnerLeadDeclineApi.as_view(),
        name="api-partner-lead-decline",
    ),
    path(
        "api/v1/partner/applications/",
        partner_api.PartnerApplicationCollectionApi.as_view(),
        name="api-partner-application-list",
    ),
    path(
        "api/v1/partner/applications/<int:application_id>/",
        partner_api.PartnerApplicationDetailApi.as_view(),
        name="api-partner-application-detail",
    ),
    path(
        "api/v1/partner/applications/<int:application_id>/transition/",
        partner_api.PartnerApplicationTransitionApi.as_view(),
        name="api-partner-application-transition",
    ),
    path(
        "api/v1/partner/applications/<int:application_id>/file-with-ace/",
        partner_api.PartnerApplicationFileWithAceApi.as_view(),
        name="api-partner-application-file-with-ace",
    ),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves its init script as a file (?script): no inline script for the CSP.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
]

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("healthz/db", views.healthz_db, name="healthz-db"),
    path("intake/", matching_views.intake, name="intake"),
    path("intake/estimate/", matching_views.intake_estimate, name="intake-estimate"),
    path("my/", matching_views.founder_dashboard, name="founder-dashboard"),
    path(
        "my/billing-access/",
        matching_views.founder_billing_access,
        name="founder-billing-access",
    ),
    path("my/projection.csv", matching_views.founder_projection_csv, name="founder-projection-csv"),
    path(
        "my/projections/<int:projection_id>.csv",
        matching_views.founder_projection_csv,
        name="founder-projection-csv-by-id",
    ),
    path("signin/<str:token>/", matching_views.signin_link, name="signin-link"),
    path("partner/", portal.partner_inbox, name="partner-inbox"),
    path("partner/login/", portal.PartnerLoginView.as_view(), name="partner-login"),
    path("partner/scorecard/", portal.partner_scorecard, name="partner-scorecard"),
    path("partner/leads/<int:lead_id>/", portal.partner_lead, name="partner-lead"),
    path(
        "partner/leads/<int:lead_id>/accept/",
        portal.partner_lead_accept,
        name="partner-lead-accept",
    ),
    path(
        "partner/leads/<int:lead_id>/decline/",
        portal.partner_lead_decline,
        name="partner-lead-decline",
    ),
    path("partner/leads/<int:lead_id>/notes/", portal.partner_lead_note, name="partner-lead-note"),
    path(
        "partner/leads/<int:lead_id>/applications/",
        portal.partner_application_create,
        name="partner-application-create",
    ),
    path(
        "partner/applications/<int:application_id>/transition/",
        portal.partner_application_transition,
        name="partner-application-transition",
    ),
    path(
        "partner/applications/<int:application_id>/file-with-ace/",
        portal.partner_application_file_with_ace,
        name="partner-application-file-with-ace",
    ),
    path(
        "login/",
        auth_views.LoginView.as_view(template_name="registration/login.html"),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    *api_v1,
]

# API paths answer an unmatched URL with a JSON 404, like their other errors.
handler404 = "cloudroute.api.not_found"
