"""Fixtures for driving the API in-process through its WSGI application."""

import pytest
from django.core import signals
from django.db import close_old_connections


@pytest.fixture
def wsgi_keeps_test_connection():
    """Django's WSGI handler closes "old" connections at each request's start and end. Inside
    the test transaction that closes the connection the test data lives on (on PostgreSQL;
    SQLite's in-memory test database ignores it), so, as Django's own test client does, the
    handler is kept from doing it for the test."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)
