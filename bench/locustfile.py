"""Locust users for `make bench` (bench/stack.py runs one class at a time, headless).

Closed loop: each user sends its next request as soon as the previous one answered, so the
user count is the concurrency. FastHttpUser (geventhttpclient) keeps the load generator's
own CPU low, which matters when it shares 2 cores with the server.

    .venv/bin/locust -f bench/locustfile.py --headless -u 16 -r 16 -t 10s \\
        --host http://127.0.0.1:8000 BareUser

The partner inbox and application list need BENCH_PARTNER_TOKEN (bench/seed.py prints it).
"""

import itertools
import json
import os

from bodies import ESTIMATE_BODY, RUN, intake_body
from locust import FastHttpUser, constant, task

ESTIMATE = json.dumps(ESTIMATE_BODY)
JSON = {"Content-Type": "application/json"}
_numbers = itertools.count()


class BareUser(FastHttpUser):
    """The floor: a tiny view with one indexed read, no session, no DRF."""

    wait_time = constant(0)

    @task
    def bare(self):
        self.client.get("/healthz/db", name="bare")


class HealthzUser(FastHttpUser):
    wait_time = constant(0)

    @task
    def healthz(self):
        self.client.get("/healthz", name="healthz")


class EstimateUser(FastHttpUser):
    wait_time = constant(0)

    @task
    def estimate(self):
        self.client.post("/api/v1/estimates/", data=ESTIMATE, headers=JSON, name="estimate")


class IntakeUser(FastHttpUser):
    """Every request a new founder, with its own Idempotency-Key."""

    wait_time = constant(0)

    @task
    def intake(self):
        number = next(_numbers)
        self.client.post(
            "/api/v1/intakes/",
            data=json.dumps(intake_body(number)),
            headers={**JSON, "Idempotency-Key": f"{RUN}-{number}"},
            name="intake",
        )


class PartnerUser(FastHttpUser):
    """A partner's CRM polling through the API with the bench partner's token."""

    abstract = True
    wait_time = constant(0)

    def on_start(self):
        self.headers = {"Authorization": f"Token {os.environ['BENCH_PARTNER_TOKEN']}"}


class InboxUser(PartnerUser):
    """The bench partner's first inbox page (50 leads, newest first)."""

    @task
    def inbox(self):
        self.client.get("/api/v1/partner/leads/", headers=self.headers, name="inbox")


class ApplicationsUser(PartnerUser):
    """The bench partner's first page of credit applications (50, newest first, each with
    its events): those of the startups whose lead it accepted."""

    @task
    def applications(self):
        self.client.get("/api/v1/partner/applications/", headers=self.headers, name="applications")
