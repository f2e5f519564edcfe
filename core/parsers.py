"""The API's JSON parser: DRF's, with a depth limit a hostile body cannot get past.

`"[" * 50000 + "]" * 50000` (100 KB) makes Python's json module raise RecursionError, which
DRF does not catch: a 500. Our bodies nest four levels at most (an intake's company and
workload, an estimate's price overrides), so anything deeper than MAX_DEPTH is refused as a
400 naming the limit, whether the decoder recursed too deep or not (a body that decodes can
still recurse too deep later, in a serializer or the idempotency fingerprint).

The body's size is Django's DATA_UPLOAD_MAX_MEMORY_SIZE; core.api turns it into a JSON 413.
"""

from typing import Any

from rest_framework import parsers
from rest_framework.exceptions import ParseError

MAX_DEPTH = 32


def nesting_exceeds(data: Any, limit: int) -> bool:
    """Whether lists and objects nest deeper than `limit` (iterative: no recursion)."""
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            children = list(value.values())
        elif isinstance(value, list):
            children = value
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


class JSONParser(parsers.JSONParser):
    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        too_deep = ParseError(
            f"JSON parse error - lists and objects may nest at most {MAX_DEPTH} levels deep."
        )
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise too_deep from None
        if nesting_exceeds(data, MAX_DEPTH):
            raise too_deep
        return data
