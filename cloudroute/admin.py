from axes import admin as axes_admin
from axes.models import AccessAttempt
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django_celery_beat import admin as celery_beat_admin
from django_celery_beat.models import PeriodicTask
from django_otp.plugins.otp_static.admin import StaticDeviceAdmin
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.admin import TOTPDeviceAdmin
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authtoken.models import TokenProxy

from api.tokens import api_tokens_revoke

from .models import User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ["email"]
    list_display = ["email", "full_name", "is_staff", "is_active", "date_joined", "last_login"]
    list_filter = ["is_staff", "is_superuser", "is_active"]
    search_fields = ["email", "full_name"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Personal info", {"fields": ["full_name"]}),
        ("Permissions", {"fields": ["is_active", "is_staff", "is_superuser", "groups"]}),
        ("Important dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]})]
    actions = ["revoke_api_tokens"]

    def has_revoke_permission(self, request) -> bool:
        return request.user.has_perm("authtoken.delete_token")

    @admin.action(
        description="Revoke API tokens (the next call with one is a 401)", permissions=["revoke"]
    )
    def revoke_api_tokens(self, request, queryset) -> None:
        revoked = sum(
            api_tokens_revoke(user=user, reason="operator", actor=request.user) for user in queryset
        )
        self.message_user(request, f"Revoked {revoked} API token(s).", messages.SUCCESS)


# --- Third-party admins: their actions write, so they need the write permission ------------
# (tests/security/test_admin_actions.py offers every registered admin's actions to a staff
# user holding only view permissions and expects none.)

admin.site.unregister(PeriodicTask)


@admin.register(PeriodicTask)
class PeriodicTaskAdmin(celery_beat_admin.PeriodicTaskAdmin):
    """Enable, disable, toggle and "run now" change schedules and start sweeps and ACE or
    Cost Explorer calls: only for operators who may change a periodic task."""

    def get_actions(self, request):
        return super().get_actions(request) if self.has_change_permission(request) else {}


admin.site.unregister(AccessAttempt)


@admin.register(AccessAttempt)
class AccessAttemptAdmin(axes_admin.AccessAttemptAdmin):
    """ "Clean up expired attempts" deletes rows: only for operators who may delete them."""

    def get_actions(self, request):
        return super().get_actions(request) if self.has_delete_permission(request) else {}


# API tokens are not browsable: a key is the account (a firm admin's skips their second
# factor), so an operator who could read or mint one would hold every partner's access. An
# operator revokes a user's tokens from the users' list instead (UserAdmin.revoke_api_tokens).
admin.site.unregister(TokenProxy)


# --- Two-factor devices (django-otp): only superusers add or change them -------------------
# A device is a second factor: whoever adds a TOTP key or a static token to an account (a
# superuser's too) can pass its code step. Operators holding only the model permissions
# (add_totpdevice, change_staticdevice ...) may still list and view the rows (keys and codes
# stay hidden: OTP_ADMIN_HIDE_SENSITIVE_DATA) and delete a lost device with the delete
# permission, after which the owner's next sign-in starts the setup again.


class SuperuserWritesOnly(admin.ModelAdmin):
    """Adding and changing need a superuser (and the permission); viewing and deleting
    follow the model permissions as usual."""

    def has_add_permission(self, request) -> bool:
        return request.user.is_superuser and super().has_add_permission(request)

    def has_change_permission(self, request, obj=None) -> bool:
        return request.user.is_superuser and super().has_change_permission(request, obj)


admin.site.unregister(TOTPDevice)
admin.site.unregister(StaticDevice)


@admin.register(TOTPDevice)
class OperatorTOTPDeviceAdmin(SuperuserWritesOnly, TOTPDeviceAdmin):
    pass


@admin.register(StaticDevice)
class OperatorStaticDeviceAdmin(SuperuserWritesOnly, StaticDeviceAdmin):
    pass
