"""Running the generation: one transaction, steps in order, rows streamed
into PostgreSQL with COPY, ids and BINs taken from the schema's sequences.

A step is a callable taking the :class:`Generation`.  The registry's own
steps come first (:data:`backoffice.registry.synthetic.steps.REGISTRY_STEPS`);
other modules add theirs by dotted path in ``settings.IMIS_SYNTHETIC_STEPS``
(containments, water connections...), so the registry never imports them.
A step of another module typically::

    def containments_step(gen: Generation) -> None:
        rng = gen.rng("containments")            # its own stream of the seed
        chosen = [b for b in gen.buildings if rng.random() < 0.43]
        ids = gen.ids(Containment, len(chosen))  # from the table's sequence
        gen.copy(Containment, ["id", "building_id", "location", ...], (
            f"{pk}\t{b.id}\t{point_hex(b.lon, b.lat)}\t...\n"
            for pk, b in zip(ids, chosen)))

``gen.buildings`` and ``gen.holdings`` describe what the registry made
(:class:`SyntheticBuilding`, :class:`SyntheticHolding`); ``gen.scale``,
``gen.place``, ``gen.layout`` and ``gen.frame`` the city.  Rows a step
copies are ANALYZEd at the end with the registry's.  A step may name, in a
``truncates`` attribute, the models (``app.Model``) it fills that do not
reference the registry: ``--replace`` empties those too (tables that
reference the registry are emptied by TRUNCATE ... CASCADE anyway).
"""

import random
import time
from bisect import bisect
from collections.abc import Callable, Iterable
from itertools import accumulate
from typing import NamedTuple

from django.apps import apps
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.module_loading import import_string
from django_tenants.utils import get_public_schema_name

from backoffice.registry import models as registry
from backoffice.registry.codes import bin_format
from backoffice.registry.services import registry_config_get
from backoffice.registry.synthetic import names
from backoffice.registry.synthetic.geometry import Frame
from backoffice.registry.synthetic.layout import Layout, layout_make
from backoffice.registry.synthetic.scales import SCALES, Place, Scale, place_for
from tenants.audit.services import audit_event_record

CHUNK_ROWS = 4096
# What --replace removes (history too: it describes rows that are gone).
REGISTRY_DATA = (
    registry.HoldingOwner,
    registry.BuildingHolding,
    registry.Owner,
    registry.Holding,
    registry.Building,
    registry.Drain,
    registry.Road,
    registry.Waterbody,
    registry.Ward,
    registry.HoldingEvent,
    registry.ChangeRecord,
)
# A registry is empty when none of these has a row.
REGISTRY_CONTENT = (
    registry.Ward,
    registry.Road,
    registry.Waterbody,
    registry.Drain,
    registry.Building,
    registry.Holding,
    registry.Owner,
)


class GenerationRefused(Exception):
    """The generator will not run here (wrong schema, registry not empty)."""


class SyntheticBuilding(NamedTuple):
    id: int
    bin: str
    ward_id: int
    ward_number: int
    zone: int
    plot: int
    road_index: int
    house_number: str
    use: str
    structure_type: str
    floors: int
    floor_area: float  # m², one floor
    households: int
    population: int
    water_source: str
    sanitation_system: str
    low_income: bool
    lon: float  # a point inside the footprint (its centre, off the L's notch)
    lat: float


class SyntheticHolding(NamedTuple):
    id: int
    code: str
    ward_id: int
    holding_type: str
    building_id: int


class Generation:
    """What every step gets: the plan, seeded random streams, ids and BINs
    from the sequences, COPY, and what earlier steps made."""

    def __init__(self, *, scale: Scale, seed: int, place: Place, cursor, capture=None):
        self.scale, self.seed, self.place = scale, seed, place
        self.cursor = cursor  # a Django cursor on psycopg 3, inside the transaction
        self.capture = capture  # dict: table -> (COPY statement, [chunks]); the bench replays it
        self.now = timezone.now().isoformat()
        self.counts: dict[str, int] = {}
        self.seconds: dict[str, float] = {}
        self.tables: list[str] = []
        self.notes: list[str] = []
        # Filled by the registry steps, for the steps after them.
        self.ward_ids: list[int] = []  # by ward index (number - 1)
        self.road_ids: list[int] = []  # by Layout.roads index
        self.buildings: list[SyntheticBuilding] = []
        self.holdings: list[SyntheticHolding] = []
        self._layout: Layout | None = None
        self._frame: Frame | None = None

    @property
    def layout(self) -> Layout:
        if self._layout is None:
            river = names.RIVERS.get(self.place.code, names.DEFAULT_RIVER)
            self._layout = layout_make(self.scale, self.seed, river)
        return self._layout

    @property
    def frame(self) -> Frame:
        if self._frame is None:
            lay = self.layout
            self._frame = Frame(
                lon=self.place.lon,
                lat=self.place.lat,
                width=lay.width,
                height=lay.height,
                angle=lay.angle,
            )
        return self._frame

    def rng(self, name: str) -> random.Random:
        """A random stream of its own per step: adding a step, or drawing more
        numbers in one, leaves every other step's data as it was."""
        return random.Random(f"{self.seed}:{name}")  # noqa: S311 (synthetic data, not secrets)

    def ids(self, model: type[Model], count: int) -> list[int]:
        """``count`` primary keys from the table's own identity sequence."""
        if count == 0:
            return []
        self.cursor.execute(
            "SELECT pg_get_serial_sequence(%s, %s)", [model._meta.db_table, model._meta.pk.column]
        )
        (sequence,) = self.cursor.fetchone()
        return self._block(sequence, count)

    def bins(self, count: int) -> list[str]:
        """``count`` BINs from the sequence the services use, in order."""
        config = registry_config_get()
        numbers = self._block(registry.BIN_SEQUENCE, count)
        return [
            bin_format(prefix=config.bin_prefix, digits=config.bin_digits, number=n)
            for n in numbers
        ]

    def _block(self, sequence: str, count: int) -> list[int]:
        self.cursor.execute(
            "SELECT nextval(%s::regclass) FROM generate_series(1, %s)", [sequence, count]
        )
        return sorted(row[0] for row in self.cursor.fetchall())

    def copy(self, model: type[Model], columns: list[str], lines: Iterable[str]) -> int:
        """Stream text lines (tab-separated, newline-terminated, ``\\N`` for
        null) into the model's table; returns the row count."""
        table = model._meta.db_table
        quote = connection.ops.quote_name
        statement = f"COPY {quote(table)} ({', '.join(quote(c) for c in columns)}) FROM STDIN"
        captured = None
        if self.capture is not None:
            captured = self.capture.setdefault(table, (statement, []))[1]
        count = 0
        chunk: list[str] = []
        with self.cursor.copy(statement) as copy:
            for line in lines:
                chunk.append(line)
                if len(chunk) == CHUNK_ROWS:
                    data = "".join(chunk)
                    copy.write(data)
                    if captured is not None:
                        captured.append(data)
                    count += len(chunk)
                    chunk.clear()
            if chunk:
                data = "".join(chunk)
                copy.write(data)
                if captured is not None:
                    captured.append(data)
                count += len(chunk)
        self.counts[model._meta.label] = self.counts.get(model._meta.label, 0) + count
        if table not in self.tables:
            self.tables.append(table)
        return count


Step = Callable[[Generation], None]


def weighted_picker(rng, weights: dict):
    """A function drawing one key of ``weights`` (relative weights)."""
    values = list(weights)
    cumulative = list(accumulate(weights.values()))
    total = cumulative[-1]
    draw = rng.random
    return lambda: values[bisect(cumulative, draw() * total)]


def generation_steps() -> list[Step]:
    from backoffice.registry.synthetic.steps import REGISTRY_STEPS

    return [*REGISTRY_STEPS, *(import_string(path) for path in settings.IMIS_SYNTHETIC_STEPS)]


def registry_is_empty() -> bool:
    return not any(model.objects.exists() for model in REGISTRY_CONTENT)


def _schema_check() -> str:
    schema = connection.schema_name
    if schema in (get_public_schema_name(), settings.TENANT_BASE_SCHEMA):
        raise GenerationRefused(
            f"Refusing to generate in the “{schema}” schema: run it for a municipality "
            "(tenant_command registry_generate --schema=CODE)."
        )
    return schema


def _registry_clear(cursor, steps: list[Step]) -> list[str]:
    """TRUNCATE the registry's data (and what steps declare); tables of other
    modules that reference it go too (CASCADE).  Returns those tables."""
    models = list(REGISTRY_DATA)
    for step in steps:
        models += [apps.get_model(label) for label in getattr(step, "truncates", ())]
    tables = [m._meta.db_table for m in models]
    cursor.execute(
        "SELECT DISTINCT c.conrelid::regclass::text FROM pg_constraint c"
        " WHERE c.contype = 'f' AND c.confrelid = ANY(%s::regclass[])"
        " AND NOT c.conrelid = ANY(%s::regclass[])",
        [tables, tables],
    )
    cascaded = sorted(row[0] for row in cursor.fetchall())
    quote = connection.ops.quote_name
    cursor.execute(f"TRUNCATE {', '.join(quote(t) for t in tables)} CASCADE")
    return cascaded


def city_generate(
    *,
    scale: str | Scale,
    seed: int,
    replace: bool = False,
    place: Place | None = None,
    actor=None,
    capture: dict | None = None,
    progress: Callable[[str], None] | None = None,
) -> Generation:
    """Generate a synthetic city in the current municipality's schema, in
    one transaction: a failure anywhere leaves nothing.  Refuses the public
    and template schemas, and a registry that has data unless ``replace``."""
    scale = SCALES[scale] if isinstance(scale, str) else scale
    schema = _schema_check()
    place = place or place_for(schema)
    steps = generation_steps()
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        # One generation per schema at a time; the emptiness check holds under the lock.
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext(current_schema()), 7301)")
        notes = []
        if not registry_is_empty():
            if not replace:
                raise GenerationRefused(
                    f"The registry of “{schema}” has data: give --replace to remove it first."
                )
            cascaded = _registry_clear(cursor, steps)
            also = f" and what refers to it: {', '.join(cascaded)}" if cascaded else ""
            notes.append(f"removed the registry's data{also}")
        gen = Generation(scale=scale, seed=seed, place=place, cursor=cursor, capture=capture)
        gen.notes += notes
        for step in steps:
            name = getattr(step, "__name__", repr(step))
            if progress:
                progress(name)
            step_started = time.perf_counter()
            step(gen)
            gen.seconds[name] = time.perf_counter() - step_started
        step_started = time.perf_counter()
        connection.check_constraints()  # the deferred foreign keys, now rather than at commit
        gen.seconds["foreign keys"] = time.perf_counter() - step_started
        step_started = time.perf_counter()
        quote = connection.ops.quote_name
        cursor.execute(f"ANALYZE {', '.join(quote(t) for t in gen.tables)}")
        gen.seconds["analyze"] = time.perf_counter() - step_started
        audit_event_record(
            actor=actor,
            action="registry.generate",
            data={"scale": scale.name, "seed": seed, "replace": replace, "counts": gen.counts},
        )
    gen.seconds["total"] = time.perf_counter() - started
    return gen
