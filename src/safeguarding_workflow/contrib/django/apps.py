"""The app's configuration: its label, name and the field type of its (unmanaged) models."""

from __future__ import annotations

from django.apps import AppConfig


class SafeguardingWorkflowConfig(AppConfig):
    """
    The safeguarding workflow app: its migrations create the library's tables.

    Added in version 0.1.0.
    """

    name = "safeguarding_workflow.contrib.django"
    label = "safeguarding_workflow"
    verbose_name = "Safeguarding workflow"
    default_auto_field = "django.db.models.BigAutoField"
