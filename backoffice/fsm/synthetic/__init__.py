"""Synthetic FSM data for the synthetic city (a step of the registry's
generator, listed in ``settings.IMIS_SYNTHETIC_STEPS``): service providers
with the wards they serve, their crews and vehicles, treatment plants with
effluent tests, containments linked to the buildings (67,330 at Khulna
scale) and a year of emptying applications in every state.

Deterministic by seed: each part draws from its own stream of
``gen.rng``; dates and times count back from the generation's minute
(:func:`fsm_anchor`) in the municipality's time zone.  Everything is
bulk loaded with COPY, in the generator's one transaction."""

import datetime

from django.db import connection

from backoffice.fsm.synthetic.containments import (
    containment_count,
    containments_copy,
    containments_make,
)
from backoffice.fsm.synthetic.jobs import job_count, jobs_copy, jobs_make
from backoffice.fsm.synthetic.operators import operators_make
from backoffice.registry.synthetic import Generation
from tenants.clock import municipality_zone

__all__ = ["containment_count", "fsm_anchor", "fsm_step", "job_count"]


def fsm_anchor(gen: Generation) -> datetime.datetime:
    """The generation's time (to the minute, local): every FSM date and time
    is counted back from it."""
    now = datetime.datetime.fromisoformat(gen.now).replace(second=0, microsecond=0)
    return now.astimezone(municipality_zone())


def fsm_step(gen: Generation) -> None:
    from backoffice.fsm.services import fsm_config_get

    _leftovers_clear(gen)
    anchor = fsm_anchor(gen)
    today = anchor.date()
    default_years = fsm_config_get().default_emptying_years
    ops = operators_make(gen, today=today)
    containments = containments_make(gen, today=today, default_years=default_years)
    jobs = jobs_make(gen, containments, ops, anchor=anchor)
    containments_copy(gen, containments, default_years=default_years)
    jobs_copy(gen, jobs, ops)


def _leftovers_clear(gen: Generation) -> None:
    """FSM rows left from an earlier city (the registry was emptied without
    them) would clash with the new ones' names and plates, and describe
    buildings that are gone: they go, with a note."""
    from django.apps import apps

    models = [apps.get_model(label) for label in fsm_step.truncates]
    if not any(model.objects.exists() for model in models):
        return
    quote = connection.ops.quote_name
    gen.cursor.execute(f"TRUNCATE {', '.join(quote(m._meta.db_table) for m in models)} CASCADE")
    gen.notes.append("removed the FSM data left from an earlier city")


# What --replace empties besides the registry (tables that refer to the
# registry, or to these, go by CASCADE).
fsm_step.truncates = (
    "fsm.EmptyingApplication",
    "fsm.Containment",
    "fsm.EffluentTest",
    "fsm.TreatmentPlant",
    "fsm.Vehicle",
    "fsm.Employee",
    "fsm.ServiceProvider",
)
