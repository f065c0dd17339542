"""Admin for webhook deliveries: read-only, to see what GitHub sent and what it did."""

from django.contrib import admin

from onboarding.webhooks.models import Delivery


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ["delivery_id", "event", "action", "status", "pull_request", "received_at"]
    list_filter = ["event", "status"]
    search_fields = ["delivery_id", "result"]
    readonly_fields = [f.name for f in Delivery._meta.fields]
