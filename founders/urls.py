from django.urls import path

from . import account, links, usage, views

urlpatterns = [
    path("intake/", views.intake, name="intake"),
    path("intake/estimate/", views.intake_estimate, name="intake-estimate"),
    path("my/", views.founder_dashboard, name="founder-dashboard"),
    path("my/edit/", views.founder_edit, name="founder-edit"),
    path("my/billing-access/", views.founder_billing_access, name="founder-billing-access"),
    path(
        "my/billing-access/start/",
        views.founder_billing_access_start,
        name="founder-billing-access-start",
    ),
    path("my/usage/apply/", usage.founder_usage_apply, name="founder-usage-apply"),
    path("my/projection.csv", views.founder_projection_csv, name="founder-projection-csv"),
    path(
        "my/projections/<int:projection_id>.csv",
        views.founder_projection_csv,
        name="founder-projection-csv-by-id",
    ),
    path("confirm/<str:token>/", links.intake_confirm, name="intake-confirm"),
    path("signin/", links.link_request, name="founder-link-request"),
    path("signin/<str:token>/", links.signin_link, name="signin-link"),
]

# The founder's account: what we hold, its export, deleting it (founders/account.py).
urlpatterns += [
    path("my/account/", account.founder_account, name="founder-account"),
    path("my/account/export.json", account.founder_account_export, name="founder-account-export"),
    path("my/account/delete/", account.founder_account_delete, name="founder-account-delete"),
    path("account-deleted/", account.founder_account_deleted, name="founder-account-deleted"),
]
