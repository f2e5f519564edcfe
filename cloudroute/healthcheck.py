"""The container's health check: `python -m cloudroute.healthcheck` asks this container's
gunicorn for /healthz (the database and the broker) and exits 0 when it answers 200.

It names a host the app accepts: Django refuses a request whose Host is not in
ALLOWED_HOSTS (a 400), so a probe of http://127.0.0.1:8000 would fail in any real deployment,
where ALLOWED_HOSTS holds the public name only. No Django import: it runs every few seconds.
"""

import os
import sys
import urllib.error
import urllib.request

URL = "http://127.0.0.1:8000/healthz"


def probe_host(allowed_hosts: str) -> str:
    """The first of ALLOWED_HOSTS (comma-separated), as a Host header; a wildcard entry
    (".example.com", "*") gives a name it matches."""
    first = next((host.strip() for host in allowed_hosts.split(",") if host.strip()), "")
    if first in ("", "*"):
        return "localhost"
    return "health" + first if first.startswith(".") else first


def main() -> int:
    host = probe_host(os.environ.get("ALLOWED_HOSTS", "localhost"))
    request = urllib.request.Request(URL, headers={"Host": host})  # noqa: S310 (fixed URL)
    try:
        with urllib.request.urlopen(request, timeout=4) as response:  # noqa: S310
            return 0 if response.status == 200 else 1
    except (urllib.error.URLError, OSError) as exc:
        print(f"healthcheck: {URL} (Host: {host}): {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
