"""The operators' admin site: Django's, plus a second sign-in step (django-otp).

It is `admin.site` (INSTALLED_APPS names cloudroute.admin_config.CloudRouteAdminConfig), so every
`@admin.register` keeps working. When `OTP_REQUIRED` is on, staff signed in with a password
only count as not signed in to the admin: its login page sends them on to the code step
(/admin/2fa/verify/) or, without an authenticator yet, to its setup (/admin/2fa/setup/).
"""

from urllib.parse import urlencode

from django.contrib.admin import AdminSite
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import path, reverse
from django_otp.admin import OTPAdminSite

from matching import twofactor
from portal.views import twofactor as twofactor_views


class CloudRouteAdminSite(OTPAdminSite):
    # OTPAdminSite's one-page form (password and code together) is not used: the code is a
    # step of its own after the password, as on the partner portal.
    login_form = AdminSite.login_form
    login_template = AdminSite.login_template

    def __init__(self, name: str = "admin") -> None:  # OTPAdminSite defaults to "otpadmin"
        super().__init__(name)

    def has_permission(self, request: HttpRequest) -> bool:
        return AdminSite.has_permission(self, request) and not twofactor.otp_pending(request.user)

    def login(self, request, extra_context=None):
        user = request.user
        if user.is_active and user.is_staff and twofactor.otp_pending(user):
            step = "setup" if not twofactor.otp_has_device(user) else "verify"
            next_url = request.GET.get("next") or reverse("admin:index", current_app=self.name)
            query = urlencode({"next": next_url})
            return HttpResponseRedirect(f"{reverse(f'admin:2fa-{step}')}?{query}")
        return super().login(request, extra_context)

    def get_urls(self):
        views = [
            ("2fa/verify/", AdminTwoFactorVerifyView, "2fa-verify"),
            ("2fa/setup/", AdminTwoFactorSetupView, "2fa-setup"),
            ("2fa/recovery-codes/", AdminRecoveryCodesView, "2fa-recovery-codes"),
        ]
        # Not behind admin_view: these are the steps before the admin admits the operator.
        own = [path(route, view.as_view(admin_site=self), name=name) for route, view, name in views]
        return own + super().get_urls()


class AdminTwoFactorMixin:
    """The portal's two-factor views in the admin's look, URLs and sign-in page."""

    admin_site: AdminSite = None  # type: ignore[assignment]  # set by as_view(admin_site=...)
    login_url_name = "admin:login"
    verify_url_name = "admin:2fa-verify"
    setup_url_name = "admin:2fa-setup"
    codes_url_name = "admin:2fa-recovery-codes"
    done_url_name = "admin:index"

    def context(self, request: HttpRequest) -> dict:
        return self.admin_site.each_context(request)


class AdminTwoFactorVerifyView(AdminTwoFactorMixin, twofactor_views.TwoFactorVerifyView):
    template_name = "admin/twofactor/verify.html"


class AdminTwoFactorSetupView(AdminTwoFactorMixin, twofactor_views.TwoFactorSetupView):
    template_name = "admin/twofactor/setup.html"


class AdminRecoveryCodesView(AdminTwoFactorMixin, twofactor_views.TwoFactorRecoveryCodesView):
    template_name = "admin/twofactor/recovery_codes.html"
