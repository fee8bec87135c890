"""Containments for the synthetic city: as many, relative to its buildings,
as Khulna has (67,330 for 156,052), on the buildings whose sanitation is
on-site first, with types weighted by that sanitation, dimensions and a
volume, and an emptying history.  Made in memory first: the jobs step
moves the last-emptied dates of the containments it empties, then
:func:`containments_copy` loads them."""

import datetime
import math

from backoffice.fsm import models as fsm
from backoffice.registry.synthetic import Generation, SyntheticBuilding, weighted_picker

KHULNA_CONTAINMENTS = 67_330
KHULNA_BUILDINGS = 156_052
ONSITE = ("septic_tank", "pit", "shared")  # building sanitation with a containment of its own

SEPTIC_TYPES = {
    "septic_soak_pit": 34,
    "septic_drain": 30,
    "septic_no_outlet": 8,
    "septic_unknown_outlet": 8,
    "septic_water_body": 6,
    "septic_open_ground": 4,
    "septic_sewer": 2,
    "holding_tank": 3,
    "biogas": 0.5,
    "unknown": 1.5,
}
PIT_TYPES = {
    "lined_pit_semi_permeable": 26,
    "lined_pit_impermeable_open_bottom": 18,
    "unlined_pit": 18,
    "twin_pit_pour_flush": 14,
    "double_pit": 14,
    "holding_tank": 4,
    "composting_ecosan": 1,
    "unknown": 5,
}
PIT_TYPES_LOW_INCOME = {
    "unlined_pit": 38,
    "lined_pit_semi_permeable": 22,
    "twin_pit_pour_flush": 14,
    "double_pit": 8,
    "lined_pit_impermeable_open_bottom": 8,
    "septic_drain": 5,
    "unknown": 5,
}
PIT_LIKE = frozenset(PIT_TYPES) - {"holding_tank", "unknown"} | {"unlined_pit"}
# Years between emptyings: pits fill faster than septic tanks.
FREQUENCY_SEPTIC = {2: 20, 3: 40, 4: 20, 5: 15, 7: 5}
FREQUENCY_PIT = {1: 35, 2: 45, 3: 20}
SHARED_SHARE = 0.05  # a containment that also serves the next building of its block


class SyntheticContainment:
    __slots__ = (
        "id",
        "code",
        "type_code",
        "building",
        "also_serves",
        "length",
        "width",
        "depth",
        "volume",
        "constructed_on",
        "well_distance",
        "frequency",
        "last_emptied_on",
        "times_emptied",
        "toilets",
        "lon",
        "lat",
    )

    def next_due_on(self, default_years: int) -> datetime.date | None:
        start = self.last_emptied_on or self.constructed_on
        years = self.frequency or default_years
        try:
            return start.replace(year=start.year + years)
        except ValueError:  # 29 February
            return start.replace(year=start.year + years, day=28)


def containment_count(buildings: int) -> int:
    return round(buildings * KHULNA_CONTAINMENTS / KHULNA_BUILDINGS)


def _chosen(gen: Generation, rng) -> list[SyntheticBuilding]:
    """The buildings that get a containment: on-site sanitation first (in
    random order), then, if still short, the rest (drains, sewer)."""
    onsite, other = [], []
    for b in gen.buildings:
        (onsite if b.sanitation_system in ONSITE else other).append(b)
    rng.shuffle(onsite)
    rng.shuffle(other)
    chosen = (onsite + other)[: containment_count(len(gen.buildings))]
    chosen.sort(key=lambda b: b.id)  # codes follow the BINs, as a survey would go
    return chosen


def containments_make(
    gen: Generation, *, today: datetime.date, default_years: int
) -> list[SyntheticContainment]:
    rng = gen.rng("fsm-containments")
    rand, uniform, randint, triangular = rng.random, rng.uniform, rng.randint, rng.triangular
    septic = weighted_picker(rng, SEPTIC_TYPES)
    pit, pit_low = weighted_picker(rng, PIT_TYPES), weighted_picker(rng, PIT_TYPES_LOW_INCOME)
    freq_septic = weighted_picker(rng, FREQUENCY_SEPTIC)
    freq_pit = weighted_picker(rng, FREQUENCY_PIT)
    chosen = _chosen(gen, rng)
    ids = gen.ids(fsm.Containment, len(chosen))
    following = {b.id: n for b, n in zip(gen.buildings, gen.buildings[1:], strict=False)}
    out: list[SyntheticContainment] = []
    for pk, b in zip(ids, chosen, strict=True):
        c = SyntheticContainment()
        c.id, c.building = pk, b
        if b.sanitation_system == "septic_tank" or (
            b.sanitation_system not in ONSITE and rand() < 0.7
        ):
            kind = septic()
        else:
            kind = pit_low() if b.low_income else pit()
        c.type_code = kind
        if kind in PIT_LIKE or kind == "unknown" and rand() < 0.5:
            diameter = uniform(0.9, 1.3)  # concrete rings
            c.length = c.width = diameter
            c.depth = uniform(1.5, 3.0)
            rings = 2 if kind in ("twin_pit_pour_flush", "double_pit") else 1
            c.volume = rings * math.pi * (diameter / 2) ** 2 * c.depth
            c.frequency = freq_pit() if rand() < 0.8 else None
        else:
            big = b.households > 4 or b.use not in ("residential", "mixed")
            c.length = uniform(2.4, 5.0) if big else uniform(1.5, 3.0)
            c.width = uniform(1.2, 2.4) if big else uniform(0.9, 1.6)
            c.depth = uniform(1.5, 2.5) if big else uniform(1.2, 2.0)
            c.volume = c.length * c.width * c.depth
            c.frequency = freq_septic() if rand() < 0.8 else None
        age_years = triangular(0.5, 45, 12)
        c.constructed_on = today - datetime.timedelta(days=int(age_years * 365.25))
        c.well_distance = triangular(3, 80, 15) if rand() < 0.55 else None
        c.toilets = max(1, b.households + (randint(0, 2) if b.floors > 1 else 0))
        if rand() < 0.3 or age_years < 1:
            c.last_emptied_on, c.times_emptied = None, 0  # never emptied
        else:
            back = min(age_years - 0.3, triangular(0.2, 8, 2.5))
            c.last_emptied_on = today - datetime.timedelta(days=int(back * 365.25))
            c.times_emptied = max(1, min(12, int(age_years / (c.frequency or default_years))))
        nxt = following.get(b.id)
        c.also_serves = (
            nxt
            if nxt is not None
            and nxt.ward_id == b.ward_id
            and nxt.zone == b.zone
            and (b.sanitation_system == "shared" or rand() < SHARED_SHARE)
            else None
        )
        # A metre or two off the building's point: the tank lies beside it.
        c.lon, c.lat = b.lon + uniform(-1.5e-5, 1.5e-5), b.lat + uniform(-1.5e-5, 1.5e-5)
        out.append(c)
    return out


CONTAINMENT_COLUMNS = [
    "id",
    "code",
    "containment_type_id",
    "size",
    "length_m",
    "width_m",
    "depth_m",
    "volume_m3",
    "constructed_on",
    "location",
    "households_served",
    "population_served",
    "toilets",
    "well_distance_m",
    "last_emptied_on",
    "times_emptied",
    "emptying_frequency_years",
    "next_due_on",
    "created_at",
]


def containments_copy(
    gen: Generation, containments: list[SyntheticContainment], *, default_years: int
) -> None:
    from backoffice.fsm.services import fsm_config_get
    from backoffice.registry.codes import bin_format
    from backoffice.registry.synthetic.geometry import point_hex

    config = fsm_config_get()
    prefix, digits = config.containment_prefix, config.containment_digits
    gen.cursor.execute(
        "SELECT nextval(%s::regclass) FROM generate_series(1, %s)",
        [fsm.CONTAINMENT_SEQUENCE, len(containments)],
    )
    numbers = sorted(row[0] for row in gen.cursor.fetchall())
    types = dict(fsm.ContainmentType.objects.values_list("code", "id"))
    now = gen.now
    null = "\\N"

    def lines():
        for c, number in zip(containments, numbers, strict=True):
            c.code = bin_format(prefix=prefix, digits=digits, number=number)
            b, o = c.building, c.also_serves
            households = b.households + (o.households if o else 0)
            population = b.population + (o.population if o else 0)
            well = f"{c.well_distance:.1f}" if c.well_distance is not None else null
            last = c.last_emptied_on.isoformat() if c.last_emptied_on else null
            size = f"{c.length:.1f} x {c.width:.1f} x {c.depth:.1f} m"
            yield (
                f"{c.id}\t{c.code}\t{types[c.type_code]}\t{size}\t{c.length:.2f}\t{c.width:.2f}"
                f"\t{c.depth:.2f}\t{c.volume:.2f}\t{c.constructed_on.isoformat()}"
                f"\t{point_hex(c.lon, c.lat)}\t{households}\t{population}\t{c.toilets}\t{well}"
                f"\t{last}\t{c.times_emptied}\t{c.frequency or null}"
                f"\t{c.next_due_on(default_years).isoformat()}\t{now}\n"
            )

    gen.copy(fsm.Containment, CONTAINMENT_COLUMNS, lines())
    links = []
    for c in containments:
        links.append((c.id, c.building.id, "t"))
        if c.also_serves is not None:
            links.append((c.id, c.also_serves.id, "f"))
    ids = gen.ids(fsm.ContainmentBuilding, len(links))
    gen.copy(
        fsm.ContainmentBuilding,
        ["id", "containment_id", "building_id", "responsible"],
        (f"{pk}\t{c}\t{b}\t{r}\n" for pk, (c, b, r) in zip(ids, links, strict=True)),
    )
