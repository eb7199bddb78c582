"""What /metrics answers, and to whom.

Under gunicorn every worker is a process of its own, and the scheduler is
another: with ``PROMETHEUS_MULTIPROC_DIR`` set, the counters of all of them
are read from that folder (``MultiProcessCollector``), whichever worker the
scrape reaches. Without it (the development server, tests) the counters are
this process's own.
"""

from __future__ import annotations

import hmac
import ipaddress
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

from flask import Flask
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    generate_latest,
)
from prometheus_client.core import Metric
from prometheus_client.multiprocess import MultiProcessCollector

from helpdesk.metrics.collector import DatabaseCollector

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class _ThisProcess:
    """The default registry's metrics (ours, and the process and GC ones)."""

    def collect(self) -> Iterator[Metric]:
        return REGISTRY.collect()


def render(app: Flask) -> tuple[bytes, str]:
    """The Prometheus text exposition and its content type."""
    registry = CollectorRegistry(auto_describe=False)
    # The database's figures first: an error they meet is then already in
    # this scrape's counters.
    registry.register(DatabaseCollector(app))
    folder = app.config.get("PROMETHEUS_MULTIPROC_DIR")
    if folder:
        MultiProcessCollector(registry, path=folder)
    else:
        registry.register(_ThisProcess())
    return generate_latest(registry), CONTENT_TYPE_LATEST


@lru_cache(maxsize=8)
def parse_networks(text: str) -> tuple[Network, ...]:
    """``"127.0.0.0/8, 10.1.0.0/16"`` → networks; ValueError names a bad one."""
    networks = []
    for part in filter(None, (p.strip() for p in text.split(","))):
        try:
            networks.append(ipaddress.ip_network(part, strict=False))
        except ValueError:
            raise ValueError(
                f"METRICS_ALLOWED_NETWORKS: {part!r} is not a network"
            ) from None
    return tuple(networks)


@dataclass(frozen=True)
class Caller:
    """What the access rule looks at: the client's address as the app sees
    it (after ProxyFix, when configured), the bearer token it sent, and
    whether it came through a proxy the app was not told to trust."""

    address: str | None
    token: str | None
    untrusted_proxy: bool


def access(caller: Caller, *, token: str | None, networks_text: str) -> str:
    """``allowed``, ``refused`` (a token that is not the configured one) or
    ``hidden`` (no token, and not from an allowed network: the endpoint is
    not there for such a caller)."""
    if caller.token is not None:
        valid = token is not None and hmac.compare_digest(
            caller.token.encode(), token.encode()
        )
        return "allowed" if valid else "refused"
    # Behind a proxy the app does not trust (PROXY_FIX_X_FOR unset), every
    # request comes from the proxy's address - often loopback - so the
    # address says nothing about the real client.
    if caller.untrusted_proxy or not caller.address:
        return "hidden"
    try:
        address = ipaddress.ip_address(caller.address)
    except ValueError:
        return "hidden"
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    allowed = any(address in net for net in parse_networks(networks_text))
    return "allowed" if allowed else "hidden"
