"""One fixture world for the whole audit test package (servers start once)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from rempart.audit.job import clear_caches
from rempart.testing.world import AuditWorld
from tests.audit import world_zones


@pytest.fixture(scope="session")
def world() -> Iterator[AuditWorld]:
    zones, routes = world_zones.build()
    with AuditWorld(zones, world_zones.MAIL_HOSTS, routes, world_zones.BEHAVIOURS) as w:
        clear_caches()
        yield w


@pytest.fixture(scope="session")
def site_world() -> Iterator[AuditWorld]:
    from tests.audit import site_fixtures

    sites = [make() for make in site_fixtures.SITES]
    with AuditWorld({"site.test.": site_fixtures.ZONE}, sites=sites) as w:
        yield w
