from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group

from accounts.models import AuditEntry, OperatorProfile
from accounts.permission_labels import PermissionsInReadersLanguage

User = get_user_model()


class OperatorProfileInline(admin.TabularInline):
    """An operator's extensions, one row per PBX they work on."""

    model = OperatorProfile
    fields = ("pbx", "extensions")
    can_delete = True
    extra = 0


class UserWithExtensionsAdmin(PermissionsInReadersLanguage, UserAdmin):
    """Administrators manage users and their roles; only a superuser grants superuser status
    or single permissions, or changes a superuser."""

    inlines = [*UserAdmin.inlines, OperatorProfileInline]
    SUPERUSER_FIELDS = ("is_superuser", "user_permissions")

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if request.user.is_superuser:
            return fieldsets
        return [
            (name, {**options, "fields": _without(options["fields"], self.SUPERUSER_FIELDS)})
            for name, options in fieldsets
        ]

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_delete_permission(request, obj)


def _without(fields, unwanted) -> tuple:
    return tuple(field for field in fields if field not in unwanted)


admin.site.unregister(User)
admin.site.register(User, UserWithExtensionsAdmin)


class GroupWithPermissionsInReadersLanguage(PermissionsInReadersLanguage, GroupAdmin):
    pass


admin.site.unregister(Group)
admin.site.register(Group, GroupWithPermissionsInReadersLanguage)


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
