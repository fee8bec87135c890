"""Migrate every municipality's schema (template first), in parallel
processes, and report per municipality."""

import io
import multiprocessing
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.management import call_command
from django.db import connections
from django_tenants.utils import schema_context

from tenants.provisioning import roles_seed


@dataclass(frozen=True)
class UpgradeResult:
    schema_name: str
    ok: bool
    seconds: float
    applied: int
    error: str = ""


def _migrate_one(schema_name: str) -> UpgradeResult:
    started = time.perf_counter()
    out = io.StringIO()
    try:
        call_command(
            "migrate_schemas",
            schema_name=schema_name,
            interactive=False,
            verbosity=1,
            stdout=out,
            stderr=out,
        )
        # The roles table is declarative: bring every schema's groups up to date.
        with schema_context(schema_name):
            roles_seed()
    except Exception as exc:  # noqa: BLE001 - reported per schema
        return UpgradeResult(schema_name, False, time.perf_counter() - started, 0, str(exc))
    finally:
        connections.close_all()
    applied = sum(1 for line in out.getvalue().splitlines() if "Applying " in line)
    return UpgradeResult(schema_name, True, time.perf_counter() - started, applied)


def _child_init() -> None:
    # A forked child must not share the parent's database sockets.
    for conn in connections.all(initialized_only=True):
        conn.inc_thread_sharing()
        conn.connection = None


def municipalities_upgrade(*, processes: int = 2) -> list[UpgradeResult]:
    from tenants.models import Municipality
    from tenants.selectors import municipality_list

    schemas = []
    if Municipality.objects.filter(schema_name=settings.TENANT_BASE_SCHEMA).exists():
        schemas.append(settings.TENANT_BASE_SCHEMA)  # clones come from it: first
    rest = list(municipality_list().values_list("schema_name", flat=True))
    results = [_migrate_one(s) for s in schemas]
    if processes <= 1 or len(rest) <= 1:
        return results + [_migrate_one(s) for s in rest]
    connections.close_all()
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(processes=processes, initializer=_child_init) as pool:
        results += pool.map(_migrate_one, rest, chunksize=1)
    return results
