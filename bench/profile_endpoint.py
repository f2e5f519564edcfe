"""Profile one endpoint in-process: where a request's time goes, before choosing a lever.

Runs the request through Django's test client (the whole middleware stack and DRF, no
gunicorn, no socket) against a database `make bench` has seeded, with production settings
(DEBUG off). Prints the mean wall time of N requests, their query count, and a pyinstrument
profile of them. Not a test and not a benchmark of throughput (bench/stack.py is): the
figures it prints are for comparing one change with the one before, run after run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cloudroute_bench \\
    REDIS_URL=redis://127.0.0.1:6379/9 .venv/bin/python bench/profile_endpoint.py intake -n 300

Endpoints: intake (POST /api/v1/intakes/, each a new founder with its own Idempotency-Key),
estimate (POST /api/v1/estimates/), inbox (GET /api/v1/partner/leads/ with the seeded
partner's token), applications (GET /api/v1/partner/applications/, same token).
"""

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cloudroute.settings")
os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("LOG_LEVEL", "WARNING")
os.environ.setdefault("SECRET_KEY", "bench-profile-" + "x" * 40)
os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
os.environ.setdefault("EMAIL_BACKEND", "django.core.mail.backends.dummy.EmailBackend")
for scope in ("ANON", "USER", "INTAKE", "ESTIMATE", "ELIGIBILITY", "AUTH"):
    os.environ.setdefault(f"THROTTLE_{scope}", "100000000/minute")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from rest_framework.authtoken.models import Token  # noqa: E402

sys.path.insert(0, str(ROOT / "bench"))
from bodies import ESTIMATE_BODY, RUN, intake_body  # noqa: E402
from seed import BENCH_PARTNER_EMAIL  # noqa: E402


def requester(name: str, client: Client):
    """A function sending the endpoint's request number `i`."""
    if name == "intake":

        def send(i: int):
            return client.post(
                "/api/v1/intakes/",
                data=json.dumps(intake_body(i)),
                content_type="application/json",
                headers={"Idempotency-Key": f"profile-{RUN}-{i}"},
            )

        return send
    if name == "estimate":
        body = json.dumps(ESTIMATE_BODY)
        return lambda i: client.post(
            "/api/v1/estimates/", data=body, content_type="application/json"
        )
    token = Token.objects.get(user__email=BENCH_PARTNER_EMAIL).key
    path = {"inbox": "/api/v1/partner/leads/", "applications": "/api/v1/partner/applications/"}
    return lambda i: client.get(path[name], headers={"Authorization": f"Token {token}"})


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("endpoint", choices=["intake", "estimate", "inbox", "applications"])
    parser.add_argument("-n", type=int, default=200, help="profiled requests (after 20 warm-up)")
    parser.add_argument("--no-profile", action="store_true", help="time only")
    args = parser.parse_args(argv)
    send = requester(args.endpoint, Client())
    for i in range(20):  # warm-up: connections, caches, imports
        response = send(10_000_000 + i)
        assert response.status_code in (200, 201), (response.status_code, response.content[:300])
    queries = []  # with DEBUG off CaptureQueriesContext sees none; a wrapper sees them all

    def counted(execute, sql, *rest):
        queries.append(sql)
        return execute(sql, *rest)

    with connection.execute_wrapper(counted):
        send(20_000_000)
    start = time.perf_counter()
    for i in range(args.n):
        send(i)
    took = (time.perf_counter() - start) / args.n * 1000
    print(f"{args.endpoint}: {took:.2f} ms per request (mean of {args.n}), "
          f"{len(queries)} queries")  # fmt: skip
    if args.no_profile:
        return 0
    from pyinstrument import Profiler  # the `bench` extra

    profiler = Profiler(interval=0.0002)
    profiler.start()
    for i in range(args.n):
        send(30_000_000 + i)
    profiler.stop()
    print(profiler.output_text(unicode=False, color=False, show_all=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
