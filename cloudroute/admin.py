from axes import admin as axes_admin
from axes.models import AccessAttempt
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django_celery_beat import admin as celery_beat_admin
from django_celery_beat.models import PeriodicTask

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
