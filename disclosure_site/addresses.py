"""The client address that rate limits and login lockouts count.

One rule for the whole site (requests_app's public limits and the staff login lockout), so that one
setting, RATE_LIMIT_PROXY_COUNT, describes the deployment for both.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_address(request: HttpRequest) -> str:
    """The visitor's address as the rate limits count it.

    With RATE_LIMIT_PROXY_COUNT proxies in front, the address is that many entries from the right of
    X-Forwarded-For (entries further left are whatever the client sent, so cannot be trusted). An IPv6
    address counts as its /64 network: one household or phone gets a whole /64 and could otherwise
    take a new address for every request.
    """
    address = request.META.get("REMOTE_ADDR", "")
    proxies = settings.RATE_LIMIT_PROXY_COUNT
    if proxies:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= proxies:
            address = forwarded[-proxies]
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address or "unknown"
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False))
    return str(parsed)
