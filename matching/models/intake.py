"""The founder's side: one intake per submission, and API idempotency keys."""

from django.conf import settings
from django.db import models
from django.urls import reverse

from workloads.models import Startup, Workload


class IntakeStatus(models.TextChoices):
    RECEIVED = "received", "Received"
    PROCESSING = "processing", "Checking programs and partners"
    READY = "ready", "Ready"
    FAILED = "failed", "Needs an operator"


class RoutingStatus(models.TextChoices):
    """Where the startup stands with partners (the intake is the matching side's record)."""

    NOT_ROUTED = "not_routed", "Not routed yet"
    OFFERED = "offered", "Offered to a partner"
    ACCEPTED = "accepted", "Accepted by a partner"
    UNROUTED = "unrouted", "No partner left: operators' queue"


class Intake(models.Model):
    """One submission of the intake form; the system of record for its background work.

    An intake is checked and estimated at once, but it has no founder (account) and is not
    routed to any partner until the e-mailed confirmation link is used: `email` and
    `founder_name` hold what was typed until then.
    See docs/architecture.md#the-founders-confirmation."""

    founder = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="intakes",
        null=True,
        blank=True,
    )
    email = models.EmailField(max_length=254, help_text="The address the intake was sent from.")
    founder_name = models.CharField(max_length=150)
    confirmed_at = models.DateTimeField(
        null=True, blank=True, help_text="When the founder used the e-mailed link."
    )
    startup = models.ForeignKey(Startup, on_delete=models.CASCADE, related_name="intakes")
    workload = models.OneToOneField(Workload, on_delete=models.CASCADE, related_name="intake")
    status = models.CharField(
        max_length=20, choices=IntakeStatus.choices, default=IntakeStatus.RECEIVED
    )
    # The API token handed back on submit, as a SHA-256 hash (the token itself is not kept).
    access_token_hash = models.CharField(max_length=64, unique=True)
    routing_status = models.CharField(
        max_length=12, choices=RoutingStatus.choices, default=RoutingStatus.NOT_ROUTED
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    # The Celery task id of the last claim (the lease's holder while `processing`): its own
    # redelivery takes the lease over at once (matching.services.intake.intake_process).
    claimed_by = models.CharField(max_length=255, blank=True, default="")
    processed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["status", "updated_at"]),
            models.Index(fields=["routing_status", "updated_at"]),
            # The operators' intake list and review queue, newest first.
            models.Index(fields=["-created_at", "-id"], name="intake_newest_idx"),
        ]

    def __str__(self) -> str:
        return f"Intake #{self.pk} · {self.startup}"

    def get_absolute_url(self) -> str:
        return reverse("founder-dashboard")

    @property
    def is_confirmed(self) -> bool:
        return self.confirmed_at is not None

    @property
    def is_pending(self) -> bool:
        return self.status in (IntakeStatus.RECEIVED, IntakeStatus.PROCESSING)


class IdempotencyKey(models.Model):
    """The first response to a POST carrying an Idempotency-Key, replayed to the same client
    on retries (api/idempotency.py) for settings.IDEMPOTENCY_KEY_TTL, then purged.

    Keys are per client: another client's identical key is another record. Nothing here
    works without SECRET_KEY: the key and the client are hashes, and the response is kept
    without its secret (the intake's access token), which a replay re-derives from
    `secret_seed` and SECRET_KEY.
    """

    scope = models.CharField(max_length=40)  # the operation: "intake.create"
    # An HMAC of who sent it: the signed-in user, else the client address (NUM_PROXIES).
    client = models.CharField(max_length=64, default="")
    key = models.CharField(max_length=255)  # the key's SHA-256, never the key itself
    request_fingerprint = models.CharField(max_length=64)
    response_status = models.PositiveSmallIntegerField()
    response_body = models.JSONField()  # without the secret field
    secret_seed = models.CharField(max_length=64, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["scope", "client", "key"], name="idempotency_key_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.scope}:{self.key}"
