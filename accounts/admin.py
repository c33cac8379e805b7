from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin

from accounts.models import AuditEntry, OperatorProfile

User = get_user_model()


class OperatorProfileInline(admin.TabularInline):
    """An operator's extensions, one row per PBX they work on."""

    model = OperatorProfile
    fields = ("pbx", "extensions")
    can_delete = True
    extra = 0


class UserWithExtensionsAdmin(UserAdmin):
    inlines = [*UserAdmin.inlines, OperatorProfileInline]


admin.site.unregister(User)
admin.site.register(User, UserWithExtensionsAdmin)


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Read-only: the log is written by the product, never edited by hand."""

    list_display = ("at", "username", "action", "object_type", "object_repr", "changes")
    list_filter = ("action", "object_type", "at", "username")
    search_fields = ("username", "object_repr", "message")
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
