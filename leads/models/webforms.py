"""Web-to-lead: public forms an admin designs, and the submissions they receive."""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.validators import URLValidator
from django.db import models
from django.urls import reverse


class RepeatSubmission(models.TextChoices):
    """What a submission does when an open lead already has its email address."""

    UPDATE = "update", "Update the open lead with that email address"
    CREATE = "create", "Create another lead (flagged as a possible duplicate)"


class WebForm(models.Model):
    name = models.CharField(max_length=120)
    slug = models.SlugField(unique=True, help_text="The form's public address: /f/<slug>/")
    is_active = models.BooleanField(default=True)
    # [{"field": "email", "label": "Work email", "required": true}, ...] over the lead's fields.
    fields = models.JSONField(default=list)
    thank_you_message = models.TextField(default="Thank you! We will be in touch shortly.")
    redirect_url = models.URLField(
        "thank-you page address",
        max_length=500,
        blank=True,
        validators=[URLValidator(schemes=["http", "https"])],
        help_text="Where visitors go after they submit, instead of the thank-you message.",
    )
    repeat_submissions = models.CharField(
        "when an open lead has the submitted email address",
        max_length=10,
        choices=RepeatSubmission.choices,
        default=RepeatSubmission.UPDATE,
        help_text="An open lead is one that is neither converted nor disqualified.",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Owner of the leads it creates; empty runs the assignment rules.",
    )
    utm_source = models.CharField("UTM source", max_length=200, blank=True)
    utm_medium = models.CharField("UTM medium", max_length=200, blank=True)
    utm_campaign = models.CharField("UTM campaign", max_length=200, blank=True)
    tags = ArrayField(models.CharField(max_length=50), default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("leads:webform-detail", args=[self.pk])


class WebFormSubmission(models.Model):
    """Every accepted submission, by IP, for rate limiting and for the form's statistics."""

    form = models.ForeignKey(WebForm, on_delete=models.CASCADE, related_name="submissions")
    ip_address = models.GenericIPAddressField()
    lead = models.ForeignKey("leads.Lead", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["ip_address", "-created_at"], name="webform_submission_ip")]

    def __str__(self) -> str:
        return f"{self.form} from {self.ip_address}"
