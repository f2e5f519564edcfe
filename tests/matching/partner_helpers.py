"""Partner leads for the portal and API tests, made one by one or in bulk."""

import datetime as dt

from django.utils import timezone

from matching.models import Lead
from tests.factories import LeadFactory, StartupFactory, UserFactory, WorkloadFactory
from workloads.models import Startup, Workload

PASSWORD = "correct horse battery staple"  # UserFactory's


def make_lead(partner, *, name: str = "Acme Robotics", **kwargs) -> Lead:
    founder = UserFactory(email=f"{name.split()[0].lower()}@founder.test", full_name="Fay Founder")
    startup = StartupFactory(founder=founder, name=name, aws_account_id="123456789012")
    return LeadFactory(partner=partner, workload=WorkloadFactory(startup=startup), **kwargs)


def bulk_leads(partner, count: int) -> None:
    """`count` offered leads for the firm in a handful of queries (one startup each: a firm
    gets a startup once)."""
    founder = UserFactory()
    startups = Startup.objects.bulk_create(
        StartupFactory.build(founder=founder, name=f"Bulk {n}") for n in range(count)
    )
    workloads = Workload.objects.bulk_create(
        WorkloadFactory.build(startup=startup) for startup in startups
    )
    now = timezone.now()
    Lead.objects.bulk_create(
        Lead(
            startup=workload.startup,
            workload=workload,
            partner=partner,
            offered_at=now - dt.timedelta(minutes=n),
            accept_by=now + dt.timedelta(hours=4),
        )
        for n, workload in enumerate(workloads)
    )
