"""The two sides being matched (founders' intakes, AWS partner firms), the leads between them
and the routing that decides who gets which lead."""

from .commissions import AceCatalog, Commission, CommissionStatus, PartnerAceAccount
from .filings import AceFiling, FilingStep
from .intake import IdempotencyKey, Intake, IntakeStatus, RoutingStatus
from .jobs import BulkJob, BulkJobKind
from .leads import DeclineReason, Lead, LeadNote, LeadStatus
from .partners import Competency, Partner, PartnerMembership, PartnerTier
from .routing import RoutingDecision, RoutingSettings, RoutingTrigger
from .team import PartnerInvitation
from .vetting import JoinApplication, JoinStatus
from .webhooks import WebhookDelivery, WebhookEndpoint, WebhookEvent

__all__ = [
    "BulkJob",
    "BulkJobKind",
    "JoinApplication",
    "JoinStatus",
    "PartnerInvitation",
    "AceCatalog",
    "AceFiling",
    "FilingStep",
    "Commission",
    "CommissionStatus",
    "PartnerAceAccount",
    "Competency",
    "DeclineReason",
    "IdempotencyKey",
    "Intake",
    "IntakeStatus",
    "Lead",
    "LeadNote",
    "LeadStatus",
    "Partner",
    "PartnerMembership",
    "PartnerTier",
    "RoutingDecision",
    "RoutingSettings",
    "RoutingStatus",
    "RoutingTrigger",
    "WebhookDelivery",
    "WebhookEndpoint",
    "WebhookEvent",
]
