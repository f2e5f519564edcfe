"""GET /healthz/db: the readiness probe and the bench's bare endpoint, one indexed read."""

import pytest
from django.db import connection
from django.db.utils import OperationalError

from workloads.models import PriceBook

pytestmark = pytest.mark.django_db

URL = "/healthz/db"


def test_it_is_ok_with_the_default_price_book_in_one_query(client, django_assert_num_queries):
    with django_assert_num_queries(1) as queries:
        response = client.get(URL)

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "price_book": "bedrock-current"}
    assert "is_default" in queries.captured_queries[0]["sql"]
    assert "sessionid" not in response.cookies
    assert response["Cache-Control"].startswith("max-age=0")


def test_it_is_unavailable_without_a_default_price_book(client):
    PriceBook.objects.update(is_default=False)

    response = client.get(URL)

    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "price_book": None}


def test_it_is_unavailable_when_the_database_fails(client, monkeypatch):
    def broken_cursor(*args, **kwargs):
        raise OperationalError("database is down")

    monkeypatch.setattr(connection, "cursor", broken_cursor)

    assert client.get(URL).status_code == 503


def test_it_only_answers_get(client):
    assert client.post(URL).status_code == 405
