"""Django admin for what the sync stored: read-only, since the PBX is the source of truth.

The call list is sized for millions of rows: no full count, filters on indexed columns only.
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from monitoring.callbacks import derive
from monitoring.models import (
    CalendarDay,
    Call,
    Heartbeat,
    LiveSnapshot,
    RejectedRecord,
    SyncRun,
    SyncState,
    WorkingHours,
)
from providers.messages import admin_field


class ReadOnlyAdmin(admin.ModelAdmin):
    """Shown, never added, changed or deleted: a call is the PBX's record."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Call)
class CallAdmin(ReadOnlyAdmin):
    list_display = (
        "started_at",
        "direction",
        "from_number",
        "to_number",
        "extension",
        "status",
        "total_seconds",
        "talk_seconds",
        "pbx",
    )
    list_filter = ("status", "direction", "pbx")
    list_select_related = ("pbx",)
    search_fields = ("=external_number", "=extension", "=from_number", "=to_number")
    date_hierarchy = "started_at"
    show_full_result_count = False
    list_per_page = 50


class RejectedRecordInline(admin.TabularInline):
    model = RejectedRecord
    extra = 0
    can_delete = False
    fields = readonly_fields = ("reason_text", "raw")
    reason_text = admin_field("reason", _("reason"))

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(SyncRun)
class SyncRunAdmin(ReadOnlyAdmin):
    list_display = (
        "started_at",
        "pbx",
        "trigger",
        "outcome",
        "pages",
        "fetched",
        "created",
        "updated",
        "rejected",
    )
    list_filter = ("outcome", "trigger", "pbx")
    list_select_related = ("pbx",)
    date_hierarchy = "started_at"
    inlines = [RejectedRecordInline]
    exclude = ("error",)
    readonly_fields = ("error_text",)
    error_text = admin_field("error", _("error"))


@admin.register(SyncState)
class SyncStateAdmin(ReadOnlyAdmin):
    list_display = ("pbx", "last_success_at", "last_started_at", "lock_until", "read_back_to")
    list_select_related = ("pbx",)
    exclude = ("last_error",)
    readonly_fields = ("last_error_text",)
    last_error_text = admin_field("last_error", _("last sync error"))


@admin.register(LiveSnapshot)
class LiveSnapshotAdmin(ReadOnlyAdmin):
    list_display = ("pbx", "taken_at", "is_stale", "error_at")
    exclude = ("error",)
    readonly_fields = ("error_text",)
    error_text = admin_field("error", _("error"))


@admin.register(Heartbeat)
class HeartbeatAdmin(ReadOnlyAdmin):
    list_display = ("name", "seen_at")


class CallbackClockAdmin(admin.ModelAdmin):
    """Working hours and the calendar: a change re-times every callback's clock."""

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        derive.recompute_clocks()

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        derive.recompute_clocks()

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        derive.recompute_clocks()


@admin.register(WorkingHours)
class WorkingHoursAdmin(CallbackClockAdmin):
    list_display = ("weekday", "opens", "closes")
    list_editable = ("opens", "closes")


@admin.register(CalendarDay)
class CalendarDayAdmin(CallbackClockAdmin):
    list_display = ("date", "kind", "name")
    list_filter = ("kind",)
    date_hierarchy = "date"
    search_fields = ("name",)
