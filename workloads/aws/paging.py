"""Reading AWS's answers defensively, shared by the adapters of the catalog
(`workloads.aws.catalog`) and of the founder's account (`credits.aws.usage`)."""

import logging
from collections.abc import Iterator
from typing import Any

from botocore.exceptions import PaginationError

logger = logging.getLogger(__name__)

MAX_PAGES = 200  # a runaway token loop stops here instead of spinning forever


def dicts(value: Any) -> Iterator[dict]:
    """The dicts of a list in an answer; nothing when it is not a list."""
    return (item for item in (value if isinstance(value, list) else ()) if isinstance(item, dict))


def pages(client, operation: str, request: dict) -> Iterator[dict]:
    """Every page of `operation`, through botocore's paginator, at most MAX_PAGES of them.

    The paginator follows the operation's token (NextToken, nextToken) until AWS stops sending
    one, and raises PaginationError when AWS sends the same token twice: that ends the
    listing with a warning, like reaching MAX_PAGES.
    """
    answers = client.get_paginator(operation).paginate(**request)
    try:
        for number, page in enumerate(answers, start=1):
            yield page if isinstance(page, dict) else {}
            if number >= MAX_PAGES:
                logger.warning("%s: stopped after %d pages", operation, MAX_PAGES)
                return
    except PaginationError as error:
        logger.warning("%s: stopped paging: %s", operation, error)
