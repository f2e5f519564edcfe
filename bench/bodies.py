"""Request bodies shared by the locust users and bench/stack.py (which must not import locust:
it monkey-patches the process for gevent)."""

import uuid

from spend import ESTIMATE_BODY  # bench/spend.py's founder, so the figures compare

__all__ = ["ESTIMATE_BODY", "RUN", "intake_body"]

RUN = uuid.uuid4().hex[:8]  # per process: e-mails and idempotency keys never repeat


def intake_body(number: int) -> dict:
    """A new founder's intake (US, us-west-2: the region most seeded partners serve)."""
    return {
        "company": {
            "name": f"Load Test Startup {RUN}-{number}",
            "website": "https://load.bench.example",
            "country": "US",
            "state": "WA",
            "postal_code": "98101",
            "industry": "Software and Internet",
            "founded_on": "2024-03-01",
            "stage": "seed",
            "activate_org_id": "",
            "prior_activate_credits": "0.00",
            "aws_account_id": f"{number % 10**12:012d}",
            "aws_paid_plan": True,
            "uses_china_regions": False,
        },
        "founder": {"name": "Load Founder", "email": f"load-{RUN}-{number}@founder.bench.example"},
        "workload": {
            "use_case": "support_chat",
            "description": "We answer support tickets from our help-centre articles.",
            "region": "us-west-2",
            "monthly_requests": 600_000,
            "monthly_growth": 0.05,
            "input_tokens": 3_000,
            "cached_prefix_tokens": 2_400,
            "output_tokens": 250,
            "cache_hit_rate": 0.8,
            "batch_share": 0.2,
            "escalation": {"sonnet": 0.1, "opus": 0.01},
            "baseline_tier": "opus",
        },
    }
