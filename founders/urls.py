from django.urls import path

from . import views

urlpatterns = [
    path("intake/", views.intake, name="intake"),
    path("intake/estimate/", views.intake_estimate, name="intake-estimate"),
    path("my/", views.founder_dashboard, name="founder-dashboard"),
    path("my/billing-access/", views.founder_billing_access, name="founder-billing-access"),
    path(
        "my/billing-access/start/",
        views.founder_billing_access_start,
        name="founder-billing-access-start",
    ),
    path("my/projection.csv", views.founder_projection_csv, name="founder-projection-csv"),
    path(
        "my/projections/<int:projection_id>.csv",
        views.founder_projection_csv,
        name="founder-projection-csv-by-id",
    ),
    path("signin/<str:token>/", views.signin_link, name="signin-link"),
]
