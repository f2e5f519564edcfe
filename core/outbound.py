"""Requests CloudRoute makes to addresses its users give it (a partner's webhook receiver).

Such a URL is an SSRF risk: pointed at `169.254.169.254`, `localhost:6379` or a private
network, our server would call its own neighbours. So a destination is checked **after DNS
resolution**, against every address the name resolves to, and the request then connects to
the address that was checked (the name goes in `Host` and in TLS's SNI and certificate check),
so a DNS answer that changes between the check and the connection (rebinding) cannot slip
through. Redirects are never followed.

The rule, per `allow_loopback` (callers pass `settings.DEBUG`):
- off (production): https only, to public addresses only (`ipaddress`'s `is_global`, and not
  multicast). Private, loopback, link-local, shared (CGNAT), reserved and documentation
  ranges are refused.
- on (a laptop): http too, and loopback addresses too; private and link-local stay refused.
"""

import ipaddress
import socket
from dataclasses import dataclass

import urllib3
from urllib3.util import parse_url

CONNECT_TIMEOUT = 3.0
READ_TIMEOUT = 10.0
URL_MAX_LENGTH = 2000
RESPONSE_PEEK = 300  # characters of a receiver's answer kept for the firm to read

type Address = ipaddress.IPv4Address | ipaddress.IPv6Address


class UnsafeDestinationError(Exception):
    """The URL may not be called; the message says why, in words for the URL's owner."""


@dataclass(frozen=True)
class Destination:
    scheme: str
    host: str  # the name as given (goes in Host and SNI)
    port: int
    path: str  # path and query
    address: Address  # the checked address the request connects to


@dataclass(frozen=True)
class Answer:
    status: int
    body_peek: str


def _resolve(host: str, port: int) -> list[str]:
    """Every address `host` resolves to. Tests replace this (tests/conftest.py), so no test
    reaches a DNS server."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


def _address_allowed(address: Address, *, allow_loopback: bool) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if address.is_loopback:
        return allow_loopback
    return address.is_global and not address.is_multicast


def destination_check(url: str, *, allow_loopback: bool) -> Destination:
    """The checked destination of `url`, or UnsafeDestinationError saying why not."""
    if len(url) > URL_MAX_LENGTH:
        raise UnsafeDestinationError(f"Use a URL of at most {URL_MAX_LENGTH} characters.")
    try:
        parts = parse_url(url)
    except ValueError as exc:
        raise UnsafeDestinationError("This is not a URL.") from exc
    schemes = ("https", "http") if allow_loopback else ("https",)
    if parts.scheme not in schemes:
        raise UnsafeDestinationError(
            "Use an https:// URL." if not allow_loopback else "Use an http:// or https:// URL."
        )
    if not parts.host:
        raise UnsafeDestinationError("The URL has no host name.")
    if parts.auth:
        raise UnsafeDestinationError(
            "Leave the user name and password out of the URL: the signature authenticates us."
        )
    host = parts.host.strip("[]")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        addresses = [ipaddress.ip_address(a.split("%")[0]) for a in _resolve(host, port)]
    except (OSError, UnicodeError, ValueError) as exc:
        raise UnsafeDestinationError(f"The host name {host!r} does not resolve.") from exc
    if not addresses:
        raise UnsafeDestinationError(f"The host name {host!r} does not resolve.")
    refused = [a for a in addresses if not _address_allowed(a, allow_loopback=allow_loopback)]
    if refused:
        raise UnsafeDestinationError(
            f"{host} resolves to {refused[0]}, a private, loopback or reserved address; "
            "use a receiver on the public internet."
        )
    return Destination(
        scheme=str(parts.scheme),
        host=host,
        port=port,
        path=parts.request_uri,
        address=addresses[0],
    )


def post(destination: Destination, *, body: bytes, headers: dict[str, str]) -> Answer:
    """POST `body` to the checked address of `destination`; no redirects, no retries (the
    caller schedules those). Raises urllib3's HTTPError subclasses for a connection that
    fails or times out."""
    default_port = 443 if destination.scheme == "https" else 80
    host_header = destination.host
    if ":" in host_header:
        host_header = f"[{host_header}]"
    if destination.port != default_port:
        host_header = f"{host_header}:{destination.port}"
    timeout = urllib3.Timeout(connect=CONNECT_TIMEOUT, read=READ_TIMEOUT)
    pool: urllib3.HTTPConnectionPool
    if destination.scheme == "https":
        pool = urllib3.HTTPSConnectionPool(
            str(destination.address),
            destination.port,
            timeout=timeout,
            retries=False,
            maxsize=1,
            server_hostname=destination.host,
            assert_hostname=destination.host,
            cert_reqs="CERT_REQUIRED",
        )
    else:
        pool = urllib3.HTTPConnectionPool(
            str(destination.address), destination.port, timeout=timeout, retries=False, maxsize=1
        )
    with pool:
        response = pool.urlopen(
            "POST",
            destination.path,
            body=body,
            headers={**headers, "Host": host_header},
            redirect=False,
            preload_content=False,
        )
        try:
            peek = response.read(RESPONSE_PEEK * 4, decode_content=False)
        finally:
            response.release_conn()
    return Answer(status=response.status, body_peek=peek.decode("utf-8", "replace")[:RESPONSE_PEEK])
