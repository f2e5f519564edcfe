"""Makes `admin.site` our CloudRouteAdminSite (cloudroute/admin_site.py), the two-factor one.

A module of its own: INSTALLED_APPS imports it before the models are ready, so it must not
import the admin site (which imports forms and models) at the top."""

from django.contrib.admin.apps import AdminConfig


class CloudRouteAdminConfig(AdminConfig):
    default_site = "cloudroute.admin_site.CloudRouteAdminSite"
