"""An application's filing in ACE, step by step, so a failure resumes where it stopped.

The filing sequence (docs/ace.md): create the opportunity, associate the firm's solution,
start the engagement (which submits it). The CreateOpportunity body is frozen with its
ClientToken at the first attempt and resent unchanged on every retry; the opportunity id is
kept the moment ACE returns it.
"""

from django.db import models

from credits.models import CreditApplication

from .partners import Partner


class FilingStep(models.TextChoices):
    CREATE = "create", "Create the opportunity"
    ASSOCIATE = "associate", "Associate the firm's solution"
    ENGAGE = "engage", "Start the engagement (submit)"
    DONE = "done", "Submitted"


class AceFiling(models.Model):
    application = models.OneToOneField(
        CreditApplication, on_delete=models.CASCADE, related_name="ace_filing"
    )
    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="ace_filings")
    catalog = models.CharField(max_length=10)
    step = models.CharField(max_length=10, choices=FilingStep.choices, default=FilingStep.CREATE)
    # CreateOpportunity: the body sent (Catalog and ClientToken aside) and its token.
    client_token = models.CharField(max_length=64, unique=True)
    request = models.JSONField()
    opportunity_id = models.CharField(max_length=20, blank=True)
    solution_id = models.CharField(max_length=21, blank=True)
    # StartEngagementFromOpportunityTask: its own token (a new one after a FAILED task).
    engagement_token = models.CharField(max_length=64)
    engagement_task_id = models.CharField(max_length=64, blank=True)
    engagement_status = models.CharField(max_length=12, blank=True)
    engagement_message = models.TextField(blank=True)
    attempts = models.PositiveIntegerField(default=0)
    # While one request runs the steps, another waits its turn (no two run them at once).
    claimed_until = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["partner", "engagement_status"])]

    def __str__(self) -> str:
        return f"ACE filing of application {self.application_id} ({self.step})"
