"""Server time of the founder's dashboard and the partner's lead page (issue 19), in-process.

Django's test client against the seeded bench database (bench/seed.py), with the settings the
stack runs (DEBUG off): no HTTP, no gunicorn, so the figure is what the view, its middleware
and templates cost. The founder is signed in with `force_login` (their startup has a
workload, a projection, an eligibility snapshot, a confirmed intake, an accepted lead and two
applications); the partner is a firm admin of the bench partner, signed in with
`force_login` and then, when the portal demands it (OTP_REQUIRED, on with DEBUG off), the
second step passed with a code from an authenticator device, as tests/cloudroute/
test_two_factor.py does. The lead is that firm's accepted lead of the founder's startup
(notes, a draft to precheck, one in review). Each page: `warmup` requests discarded, then
`requests` timed; p50/p95 ms and the queries of one request. With DEBUG off the pages need
the static files' manifest, as in production (the image runs collectstatic): they are
collected into a directory of the run's own (`collect_static`), not the checkout's
staticfiles/.

bench/stack.py calls `measure` after seeding. On its own, against a seeded database:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cloudroute_bench DEBUG=false \\
        SECURE_SSL_REDIRECT=false SECRET_KEY=... ALLOWED_HOSTS=127.0.0.1 \\
        .venv/bin/python bench/pages.py --profile
"""

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

from report import percentile  # bench/report.py

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"  # in the stack's ALLOWED_HOSTS (the test client's "testserver" is not)
BENCH_PARTNER_SLUG = "bench-partner-0"  # bench/seed.py's first firm


def subjects() -> dict:
    """Who and what bench/seed.py seeded for these pages (it prints the same as "pages"):
    the bench partner's lead that has an owner, its startup's founder, and that owner."""
    from matching.models import Lead

    lead = (
        Lead.objects.filter(partner__slug=BENCH_PARTNER_SLUG, owner__isnull=False)
        .select_related("startup")
        .order_by("pk")
        .first()
    )
    if lead is None:
        raise RuntimeError("no owned lead of the bench partner: is this a seeded bench database?")
    return {
        "founder_id": lead.startup.founder_id,
        "partner_user_id": lead.owner_id,
        "lead_id": lead.pk,
    }


def _totp_code(device) -> str:
    from django_otp.oath import TOTP

    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():06d}"


def signed_in(user, next_url: str):
    """A test client signed in as `user`; past the second step when the account needs one
    (an authenticator device is enrolled for it if it has none)."""
    from django.test import Client
    from django.urls import reverse
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from matching import twofactor

    client = Client(SERVER_NAME=HOST)
    client.force_login(user)
    if twofactor.otp_required_for(user):
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        if device is None:
            device = TOTPDevice.objects.create(
                user=user, name=twofactor.TOTP_DEVICE_NAME, confirmed=True
            )
        verify = reverse("partner-2fa-verify")
        answer = client.post(verify, {"otp_token": _totp_code(device), "next": next_url})
        if answer.status_code != 302:
            raise RuntimeError(f"POST {verify} answered {answer.status_code}: no second step")
    return client


def _queries(client, url: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        client.get(url)
    return len(captured.captured_queries)


def time_page(client, url: str, requests: int, warmup: int) -> dict:
    """`warmup` discarded GETs, then `requests` timed ones; each must answer 200."""
    for _ in range(warmup):
        client.get(url)
    milliseconds = []
    for _ in range(requests):
        start = time.perf_counter()
        response = client.get(url)
        milliseconds.append((time.perf_counter() - start) * 1000)
        if response.status_code != 200:
            raise RuntimeError(f"GET {url} answered {response.status_code}")
    return {
        "url": url,
        "requests": requests,
        "queries": _queries(client, url),
        "bytes": len(response.content),
        "p50_ms": percentile(milliseconds, 0.5),
        "p95_ms": percentile(milliseconds, 0.95),
        "max_ms": max(milliseconds),
    }


def pages(people: dict) -> dict:
    """name -> (signed-in client, url) for each page measured."""
    from django.contrib.auth import get_user_model
    from django.urls import reverse

    users = get_user_model().objects.in_bulk([people["founder_id"], people["partner_user_id"]])
    dashboard = reverse("founder-dashboard")
    lead = reverse("partner-lead", args=[people["lead_id"]])
    return {
        "founder_dashboard": (signed_in(users[people["founder_id"]], dashboard), dashboard),
        "partner_lead": (signed_in(users[people["partner_user_id"]], lead), lead),
    }


def collect_static(directory: Path) -> float:
    """collectstatic into `directory`, which becomes this process's STATIC_ROOT; seconds
    taken. Django's ManifestStaticFilesStorage stands in for whitenoise's compressed one: the
    same manifest lookup per `{% static %}`, without compressing every file (~25 s here)."""
    from django.conf import settings
    from django.core.management import call_command
    from django.test import override_settings

    manifest = {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"}
    start = time.perf_counter()
    # override_settings, not an assignment: its signal drops a storage already built.
    override_settings(
        STATIC_ROOT=str(directory), STORAGES={**settings.STORAGES, "staticfiles": manifest}
    ).enable()
    call_command("collectstatic", interactive=False, verbosity=0)
    return time.perf_counter() - start


def measure(
    static_root: Path, people: dict | None = None, requests: int = 200, warmup: int = 20
) -> dict:
    """p50/p95 ms of each page (Django set up on the bench database first)."""
    from workloads.models import Startup

    collect_static(static_root)
    figures = {
        name: time_page(client, url, requests, warmup)
        for name, (client, url) in pages(people or subjects()).items()
    }
    return {"startups": Startup.objects.count(), "pages": figures}


def profile(static_root: Path, requests: int) -> str:
    """pyinstrument's text report of `requests` GETs of each page (the bench extra)."""
    from pyinstrument import Profiler

    collect_static(static_root)
    reports = []
    for name, (client, url) in pages(subjects()).items():
        client.get(url)
        with Profiler(interval=0.0005) as profiler:
            for _ in range(requests):
                client.get(url)
        reports.append(f"=== {name} {url} ({requests} requests)\n{profiler.output_text()}")
    return "\n".join(reports)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--profile", action="store_true", help="pyinstrument instead of timing")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cloudroute.settings")
    import django

    django.setup()
    with tempfile.TemporaryDirectory(prefix="cloudroute-pages-") as static_root:
        if args.profile:
            print(profile(Path(static_root), args.requests))
        else:
            figures = measure(Path(static_root), requests=args.requests, warmup=args.warmup)
            print(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
