"""Production settings pass `manage.py check --deploy`; the laptop defaults stay safe."""

import json
import os
import secrets
import string
import subprocess
import sys

import pytest
from django.conf import settings

SCRUBBED = (
    "DEBUG",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "DATABASE_URL",
    "SECURE_HSTS_SECONDS",
    "SITE_URL",
    "PORT",
)


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    """Run manage.py in a fresh process; values given here win over the repository's .env."""
    environment = {key: value for key, value in os.environ.items() if key not in SCRUBBED}
    environment.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _secret_key() -> str:
    alphabet = string.ascii_letters + string.digits + "!@#%^&*(-_=+)"
    return "".join(secrets.choice(alphabet) for _ in range(60))


def test_it_passes_the_deploy_checks_in_production():
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="false",
        SECRET_KEY=_secret_key(),
        ALLOWED_HOSTS="cloudroute.example",
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_it_refuses_an_empty_secret_key_in_production():
    # An explicit empty value: a developer's .env (read with setdefault) cannot fill it in.
    code = "from django.conf import settings; print(settings.SECRET_KEY)"
    result = _manage(
        "shell", "-c", code, DEBUG="false", SECRET_KEY="", ALLOWED_HOSTS="cloudroute.example"
    )

    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_it_fails_the_deploy_checks_with_a_weak_secret_key():
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="false",
        SECRET_KEY="short",
        ALLOWED_HOSTS="cloudroute.example",
    )

    assert result.returncode != 0
    assert "security.W009" in result.stdout + result.stderr


@pytest.mark.parametrize(
    "name",
    [
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "SECURE_SSL_REDIRECT",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    ],
)
def test_it_turns_on_the_https_hardening_in_production(name):
    code = f"from django.conf import settings; print(settings.{name})"
    result = _manage(
        "shell", "-c", code, DEBUG="false", SECRET_KEY=_secret_key(), ALLOWED_HOSTS="x.example"
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "True"


def test_it_exempts_the_healthcheck_from_the_https_redirect():
    assert any(pattern == r"^healthz$" for pattern in settings.SECURE_REDIRECT_EXEMPT)


def test_it_refuses_anonymous_api_access_unless_a_view_opts_in():
    assert settings.REST_FRAMEWORK["DEFAULT_PERMISSION_CLASSES"] == [
        "rest_framework.permissions.IsAuthenticated"
    ]


def _site_url(**env: str) -> str:
    result = _manage(
        "shell", "-c", "from django.conf import settings; print(settings.SITE_URL)", **env
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


# `make run PORT=8001` exports PORT to manage.py: e-mailed links must point at that port.
# SITE_URL="" stands for "not set" (and keeps a developer's .env out of the way).
def test_the_site_url_follows_the_port_when_unset():
    assert _site_url(PORT="8001", SITE_URL="") == "http://127.0.0.1:8001"


def test_the_site_url_defaults_to_port_8000():
    assert _site_url(SITE_URL="") == "http://127.0.0.1:8000"


def test_an_explicit_site_url_wins_over_the_port():
    assert _site_url(PORT="8001", SITE_URL="https://cloudroute.example") == (
        "https://cloudroute.example"
    )


def _database_options(**env: str) -> dict:
    code = (
        "import json; from django.conf import settings; "
        "print(json.dumps(settings.DATABASES['default'].get('OPTIONS', {}), default=str))"
    )
    result = _manage("shell", "-c", code, **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


POSTGRES = "postgres://postgres@127.0.0.1:5432/cloudroute"


def test_postgresql_binds_server_side_and_prepares_repeated_statements():
    """Django turns psycopg's prepared statements off; ours are on (docs/performance.md)."""
    options = _database_options(DATABASE_URL=POSTGRES)
    assert options["server_side_binding"] is True
    assert options["prepare_threshold"] == 5


def test_server_side_binding_can_be_turned_off_for_a_transaction_pooler():
    options = _database_options(DATABASE_URL=POSTGRES, DATABASE_SERVER_SIDE_BINDING="false")
    assert "server_side_binding" not in options and "prepare_threshold" not in options


def test_the_running_suite_uses_server_side_binding_on_postgresql():
    """CI runs every test the way production sends its queries."""
    from django.db import connection

    from tests.conftest import require_services

    require_services()
    assert connection.settings_dict["OPTIONS"]["server_side_binding"] is True
