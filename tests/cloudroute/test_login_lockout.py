"""django-axes locks an e-mail out of one address after repeated wrong passwords."""

import pytest

from tests.factories import UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_password_hasher")]

PASSWORD = "correct horse battery staple"  # UserFactory's


@pytest.mark.parametrize("url", ["/login/", "/partner/login/", "/admin/login/"])
def test_it_locks_out_after_the_failure_limit_even_with_the_right_password(client, url, settings):
    settings.AXES_FAILURE_LIMIT = 3
    UserFactory(email="ana@example.com", is_staff=True)

    for _ in range(3):
        client.post(url, {"username": "ana@example.com", "password": "wrong"})
    response = client.post(url, {"username": "ana@example.com", "password": PASSWORD})

    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_it_locks_out_the_api_token_too(api_client, settings):
    settings.AXES_FAILURE_LIMIT = 3
    UserFactory(email="ana@example.com")
    url = "/api/v1/auth/token/"

    for _ in range(3):
        api_client.post(url, {"email": "ana@example.com", "password": "wrong"}, format="json")
    response = api_client.post(
        url, {"email": "ana@example.com", "password": PASSWORD}, format="json"
    )

    assert response.status_code in (400, 429)
    assert "token" not in response.json()


def test_it_lets_the_right_password_in_below_the_limit(client):
    UserFactory(email="ana@example.com")

    client.post("/login/", {"username": "ana@example.com", "password": "wrong"})
    response = client.post("/login/", {"username": "ana@example.com", "password": PASSWORD})

    assert response.status_code == 302
