"""`python -m cloudroute.healthcheck`, the image's health check: it must name a Host that
ALLOWED_HOSTS admits, or Django answers 400 and the container never becomes healthy."""

import pytest
from django.http.request import validate_host

from cloudroute.healthcheck import probe_host


@pytest.mark.parametrize(
    "allowed",
    ["cloudroute.example", "cloudroute.example,127.0.0.1", " .cloudroute.example", "*", ""],
)
def test_the_probe_names_a_host_django_accepts(allowed):
    hosts = [host.strip() for host in allowed.split(",") if host.strip()] or ["localhost"]

    assert validate_host(probe_host(allowed), hosts)


def test_the_probe_gets_a_200_from_the_app(live_server, monkeypatch, settings):
    """Against a real server with a production-like ALLOWED_HOSTS (not 127.0.0.1)."""
    from cloudroute import healthcheck

    settings.ALLOWED_HOSTS = ["cloudroute.example"]
    monkeypatch.setenv("ALLOWED_HOSTS", "cloudroute.example")
    monkeypatch.setattr(healthcheck, "URL", f"{live_server.url}/healthz")

    assert healthcheck.main() == 0
