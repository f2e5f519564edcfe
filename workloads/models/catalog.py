"""The Bedrock catalog as AWS lists it per Region: the system-defined inference profiles that
serve Claude (`InferenceProfile`). The setup kit reads model and profile ids from here, never
from a guessed string; the daily refresh (workloads.services.inference_profiles_refresh)
writes it."""

from django.db import models

from ..choices import AwsRegion


class InferenceProfile(models.Model):
    """One system-defined inference profile listed in one Region (`list_inference_profiles`).

    `profile_id` is what a caller in `region` passes as `modelId`: `global.` profiles route
    to any commercial Region, geographic ones (`us.`, `eu.`, `apac.`...) within their
    geography. `model_arns` are the foundation-model ARNs it routes to, one per Region, as
    AWS lists them: an IAM policy must allow each."""

    region = models.CharField(max_length=20, choices=AwsRegion.choices)
    profile_id = models.CharField(max_length=200)
    arn = models.CharField("ARN", max_length=300)
    name = models.CharField(max_length=200)
    model_id = models.CharField(max_length=120, help_text="The base foundation-model id.")
    model_arns = models.JSONField(default=list)
    status = models.CharField(max_length=20, blank=True)
    read_at = models.DateTimeField(help_text="When the refresh last saw it listed.")

    class Meta:
        ordering = ["region", "profile_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["region", "profile_id"], name="inference_profile_once_per_region"
            )
        ]
        indexes = [models.Index(fields=["region", "model_id"])]

    def __str__(self) -> str:
        return f"{self.profile_id} ({self.region})"

    @property
    def is_global(self) -> bool:
        return self.profile_id.startswith("global.")
