import pytest

from matching.models import Intake, IntakeStatus

pytestmark = pytest.mark.django_db


def test_it_creates_an_intake_and_runs_its_pipeline(
    api_client, payload, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = api_client.post("/api/v1/intakes/", payload, format="json")
    assert response.status_code == 201, response.json()
    intake = Intake.objects.get(pk=response.json()["id"])
    assert intake.status == IntakeStatus.READY
