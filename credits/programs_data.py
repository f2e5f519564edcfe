"""The credit programs CloudRoute ships (shared/reference/aws-facts.md), with older terms kept
as history. Loaded by the `credits` data migration and seed_demo; operators edit them in the
admin afterwards. [U] marks facts AWS does not publish: editable data, never constants."""

import datetime as dt
from decimal import Decimal

ACTIVATE_URL = "https://aws.amazon.com/startups/credits"

PROGRAMS = [
    # AWS Activate Founders: the older page said $1,000; the current one "start with $1,000",
    # select startups up to $5,000.
    {
        "code": "activate_founders",
        "name": "AWS Activate Founders",
        "family": "activate",
        "filed_by": "founder",
        "amount_min": Decimal("1000"),
        "amount_max": Decimal("1000"),
        "typical_amount": Decimal("1000"),
        "effective_from": dt.date(2020, 1, 1),
        "source_url": ACTIVATE_URL,
        "notes": "Older Activate page: $1,000.",
    },
    {
        "code": "activate_founders",
        "name": "AWS Activate Founders",
        "family": "activate",
        "filed_by": "founder",
        "amount_min": Decimal("1000"),
        "amount_max": Decimal("5000"),
        "typical_amount": Decimal("1000"),
        "effective_from": dt.date(2025, 1, 1),
        "source_url": ACTIVATE_URL,
        "notes": "Start with $1,000; select startups up to $5,000. Duration not published [U].",
    },
    # AWS Activate Portfolio: needs an Activate Provider's Organization ID.
    {
        "code": "activate_portfolio",
        "name": "AWS Activate Portfolio",
        "family": "activate",
        "filed_by": "founder",
        "amount_min": Decimal("0"),
        "amount_max": Decimal("100000"),
        "typical_amount": Decimal("100000"),
        "effective_from": dt.date(2020, 1, 1),
        "source_url": ACTIVATE_URL,
        "notes": "Older Activate page: up to $100,000.",
    },
    {
        "code": "activate_portfolio",
        "name": "AWS Activate Portfolio",
        "family": "activate",
        "filed_by": "founder",
        "amount_min": Decimal("0"),
        "amount_max": Decimal("200000"),
        "typical_amount": Decimal("100000"),
        "effective_from": dt.date(2025, 1, 1),
        "source_url": ACTIVATE_URL,
        "notes": "Up to $200,000 with a provider's Org ID; an Org ID works once.",
    },
    {
        "code": "bedrock_poc",
        "name": "Bedrock proof-of-concept credits",
        "family": "partner_funding",
        "filed_by": "partner",
        "amount_min": Decimal("10000"),
        "amount_max": Decimal("50000"),
        "typical_amount": Decimal("25000"),
        "validity_months": 2,
        "effective_from": dt.date(2025, 1, 1),
        "source_url": "https://aws.amazon.com/partners/funding/",
        "notes": "Partner-filed through the partner's funding benefits. Amounts and the ~60-day "
        "window come from partner marketing pages [U].",
    },
    {
        "code": "genai_accelerator",
        "name": "AWS Generative AI Accelerator",
        "family": "accelerator",
        "filed_by": "founder",
        "amount_min": Decimal("0"),
        "amount_max": Decimal("1000000"),
        "typical_amount": Decimal("1000000"),
        "validity_months": 12,
        "window_opens_on": None,
        "window_closes_on": None,
        "effective_from": dt.date(2024, 1, 1),
        "source_url": "https://aws.amazon.com/startups/accelerators/generative-ai",
        "notes": "Competitive yearly cohort for AI-first startups, typically seed to Series A, "
        "up to $1M in credits [U]. Operators set the application window when AWS announces it.",
    },
]


def load_programs(credit_program_model) -> None:
    """Create or update the shipped programs. Takes the model class so the data migration can
    pass its historical model; programs operators added stay untouched."""
    for program in PROGRAMS:
        credit_program_model.objects.update_or_create(
            code=program["code"],
            effective_from=program["effective_from"],
            defaults={k: v for k, v in program.items() if k not in ("code", "effective_from")},
        )
