"""AWS adapters of the workloads app, and the one place their boto3 clients are built.

The adapters (`catalog.py`) take a client; tests hand them a stubbed one. `catalog_clients`
builds the real clients for the beat task and the admin action, and only when boto3 finds
credentials, so a laptop or CI without AWS access skips the refresh instead of failing.
"""

from typing import Any, NamedTuple

import boto3
from botocore.config import Config
from django.conf import settings

from .catalog import PRICING_REGION

# Fail fast and retry throttling a few times; the beat task runs again tomorrow anyway.
CLIENT_CONFIG = {
    "connect_timeout": 5,
    "read_timeout": 30,
    "retries": {"max_attempts": 5, "mode": "standard"},
}


class CatalogClients(NamedTuple):
    bedrock: Any
    pricing: Any


def catalog_clients() -> CatalogClients | None:
    """Bedrock (in settings.AWS_REGION) and Price List (us-east-1) clients, or None when
    boto3 finds no AWS credentials."""
    session = boto3.session.Session()
    if session.get_credentials() is None:
        return None
    config = Config(**CLIENT_CONFIG)
    return CatalogClients(
        bedrock=session.client("bedrock", region_name=settings.AWS_REGION, config=config),
        pricing=session.client("pricing", region_name=PRICING_REGION, config=config),
    )


def bedrock_client_in(region: str) -> Any | None:
    """A Bedrock control-plane client in `region` (its inference profiles differ by Region),
    or None when boto3 finds no AWS credentials."""
    session = boto3.session.Session()
    if session.get_credentials() is None:
        return None
    return session.client("bedrock", region_name=region, config=Config(**CLIENT_CONFIG))
