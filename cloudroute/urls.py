"""The root URLconf: each front end brings its own urls.py; this file only includes them."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from founders.forms import LinkRequestForm

from . import views
from .observability.metrics import metrics

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("healthz/db", views.healthz_db, name="healthz-db"),
    path("metrics", metrics, name="metrics"),
    # The API and the admin before the pages: Django tries the patterns in order, and theirs
    # all begin with "api/" or "admin/", so a page's path passes them at once, while an API
    # call skips the pages' ~50, and so does each of the admin's row links it resolves.
    path("admin/", admin.site.urls),
    path("", include("api.urls")),
    path("", include("founders.urls")),
    path("", include("portal.urls")),
    path(
        "login/",
        auth_views.LoginView.as_view(
            template_name="registration/login.html",
            # Founders have no password: the page offers them a link by e-mail.
            extra_context={"link_form": LinkRequestForm()},
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
]

# API paths answer an unmatched URL, a bad request (an oversize body: 413) and an unhandled
# error (an unreachable database: 503 with Retry-After) in JSON, like their other errors.
handler400 = "core.api.bad_request"
handler404 = "core.api.not_found"
handler500 = "core.api.server_error"
