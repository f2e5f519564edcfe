"""System checks of cloudroute.checks other than the demo logins' (test_demo_logins.py)."""

import pytest
from django.core import checks

pytestmark = pytest.mark.django_db  # the deploy checks look for demo logins


def _ids(**kwargs) -> list[str]:
    return [message.id for message in checks.run_checks(**kwargs)]


def test_check_deploy_warns_when_two_factor_is_off(settings):
    settings.OTP_REQUIRED = False
    assert "cloudroute.W002" in _ids(include_deployment_checks=True)

    settings.OTP_REQUIRED = True
    assert "cloudroute.W002" not in _ids(include_deployment_checks=True)


def test_a_visibility_timeout_shorter_than_a_task_fails_the_checks(settings):
    """The lease takeover trusts that a running task's message is never handed out twice."""
    assert "cloudroute.E003" not in _ids()

    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {
        **settings.CELERY_BROKER_TRANSPORT_OPTIONS,
        "visibility_timeout": 300,
    }

    assert "cloudroute.E003" in _ids()
