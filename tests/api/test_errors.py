"""API-wide error answers the schemathesis run relies on: JSON 404s for unmatched API paths,
and JSON-only request bodies."""

import pytest

pytestmark = pytest.mark.django_db


def test_it_answers_an_unmatched_api_path_with_a_json_404(api_client):
    response = api_client.get("/api/v1/partner/leads/not-a-number/")

    assert response.status_code == 404
    assert response.headers["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Not found."}


def test_it_keeps_the_html_404_page_outside_the_api(client):
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert response.headers["Content-Type"].startswith("text/html")


def test_it_refuses_a_form_encoded_body_with_415(api_client):
    response = api_client.post("/api/v1/estimates/", {"monthly_requests": "1000"})

    assert response.status_code == 415
    assert response.json()["detail"].startswith('Unsupported media type "multipart/form-data')
