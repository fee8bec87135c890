"""The registry's own generation steps: wards, roads and drains, water,
buildings, then holdings with their owners (:mod:`.holdings`).  Each
renders COPY text lines from the plan (:mod:`.layout`) and its own random
stream."""

from functools import partial

from backoffice.registry import models as registry
from backoffice.registry.synthetic.generation import Generation, SyntheticBuilding, weighted_picker
from backoffice.registry.synthetic.geometry import (
    multilinestring_hex,
    multipolygon_hex,
    polygon1_hex,
)
from backoffice.registry.synthetic.holdings import holdings_step
from backoffice.registry.synthetic.layout import (
    LARGE,
    LOW_INCOME,
    MAJOR_FRONTAGE,
    footprint_area,
    footprint_ring,
)


def _ring_rect(x0, y0, x1, y1) -> list[float]:
    return [x0, y0, x1, y0, x1, y1, x0, y1, x0, y0]


# --- Wards, roads, drains, water ----------------------------------------------


def wards_step(gen: Generation) -> None:
    wards = gen.layout.wards
    gen.ward_ids = gen.ids(registry.Ward, len(wards))
    flat = gen.frame.flat
    gen.copy(
        registry.Ward,
        ["id", "number", "name_en", "name_bn", "boundary"],
        (
            f"{pk}\t{w.number}\t{w.name_en}\t{w.name_bn}\t{multipolygon_hex([flat(_ring_rect(*w.rect))])}\n"
            for pk, w in zip(gen.ward_ids, wards, strict=True)
        ),
    )


def roads_step(gen: Generation) -> None:
    layout, flat = gen.layout, gen.frame.flat
    gen.road_ids = gen.ids(registry.Road, len(layout.roads))
    gen.copy(
        registry.Road,
        ["id", "code", "name_en", "name_bn", "road_class", "width_m", "line"],
        (
            f"{pk}\t{r.code}\t{r.name_en}\t{r.name_bn}\t{r.road_class}\t{r.width:.2f}"
            f"\t{multilinestring_hex([flat(r.line)])}\n"
            for pk, r in zip(gen.road_ids, layout.roads, strict=True)
        ),
    )
    ids = gen.ids(registry.Drain, len(layout.drains))
    gen.copy(
        registry.Drain,
        ["id", "code", "kind", "road_id", "line"],
        (
            f"{pk}\t{d.code}\t{d.kind}\t{gen.road_ids[d.road]}\t{multilinestring_hex([flat(d.line)])}\n"
            for pk, d in zip(ids, layout.drains, strict=True)
        ),
    )


def water_step(gen: Generation) -> None:
    layout, flat = gen.layout, gen.frame.flat
    ids = gen.ids(registry.Waterbody, len(layout.waters))
    gen.copy(
        registry.Waterbody,
        ["id", "name_en", "name_bn", "kind", "area"],
        (
            f"{pk}\t{w.name_en}\t{w.name_bn}\t{w.kind}\t{multipolygon_hex([flat(w.ring)])}\n"
            for pk, w in zip(ids, layout.waters, strict=True)
        ),
    )


# --- Buildings ----------------------------------------------------------------

USE_ON_LANES = {
    "residential": 82,
    "mixed": 6,
    "commercial": 6,
    "religious": 2.5,
    "industrial": 1,
    "education": 1,
    "health": 0.5,
    "government": 0.5,
    "institutional": 0.5,
}
USE_ON_MAJOR_ROADS = {
    "residential": 45,
    "mixed": 25,
    "commercial": 25,
    "religious": 2,
    "health": 1,
    "education": 1,
    "industrial": 1,
}
USE_LOW_INCOME = {"residential": 92, "commercial": 5, "religious": 3}
USE_LARGE = {
    "education": 30,
    "government": 20,
    "health": 15,
    "institutional": 15,
    "religious": 10,
    "industrial": 10,
}
STRUCTURE = {"pucca": 50, "semi_pucca": 28, "tin_shed": 16, "kutcha": 4, "other": 2}
STRUCTURE_MAJOR = {"pucca": 75, "semi_pucca": 17, "tin_shed": 7, "other": 1}
STRUCTURE_LOW_INCOME = {"tin_shed": 45, "kutcha": 30, "semi_pucca": 20, "other": 5}
PUCCA_FLOORS = {1: 22, 2: 26, 3: 20, 4: 13, 5: 9, 6: 6, 7: 2, 8: 1, 10: 0.7, 12: 0.3}
WATER = {"piped": 40, "tubewell": 32, "deep_tubewell": 22, "pond": 3, "other": 3}
WATER_LOW_INCOME = {"piped": 15, "tubewell": 55, "deep_tubewell": 10, "pond": 12, "other": 8}
SANITATION = {
    "septic_tank": 62,
    "pit": 22,
    "sewer": 2,
    "drain": 5,
    "shared": 6,
    "open": 1,
    "none": 2,
}
SANITATION_LOW_INCOME = {
    "pit": 35,
    "shared": 30,
    "septic_tank": 15,
    "drain": 10,
    "open": 6,
    "none": 4,
}
SANITATION_NON_RESIDENTIAL = {"septic_tank": 85, "pit": 8, "sewer": 4, "drain": 3}
FIRST_YEAR = {"pucca": 1965, "semi_pucca": 1975, "tin_shed": 1990, "kutcha": 1995, "other": 1990}
LAST_YEAR = 2024
RESIDENT_USES = ("residential", "mixed")

BUILDING_COLUMNS = [
    "id",
    "bin",
    "footprint",
    "house_number",
    "floors",
    "structure_type",
    "use",
    "households",
    "population",
    "construction_year",
    "water_source",
    "sanitation_system",
    "low_income",
    "status",
    "created_at",
    "updated_at",
    "road_id",
    "ward_id",
]


def buildings_step(gen: Generation) -> None:
    layout, frame = gen.layout, gen.frame
    plans = layout.buildings
    ids = gen.ids(registry.Building, len(plans))
    bins = gen.bins(len(plans))
    rng = gen.rng("buildings")
    rand, randint, triangular = rng.random, rng.randint, rng.triangular
    pick = partial(weighted_picker, rng)
    use_lane, use_major = pick(USE_ON_LANES), pick(USE_ON_MAJOR_ROADS)
    use_low, use_large, pucca_floors = pick(USE_LOW_INCOME), pick(USE_LARGE), pick(PUCCA_FLOORS)
    structure, structure_major = pick(STRUCTURE), pick(STRUCTURE_MAJOR)
    structure_low = pick(STRUCTURE_LOW_INCOME)
    water, water_low = pick(WATER), pick(WATER_LOW_INCOME)
    sanitation, sanitation_low = pick(SANITATION), pick(SANITATION_LOW_INCOME)
    sanitation_other = pick(SANITATION_NON_RESIDENTIAL)
    house_counter = [0] * len(layout.roads)
    ward_ids, road_ids, now, flat = gen.ward_ids, gen.road_ids, gen.now, frame.flat
    point = frame.point
    out = gen.buildings

    def lines():
        for pk, bin_, plan in zip(ids, bins, plans, strict=True):
            ward, zone, plot, road, x0, y0, x1, y1, notch, nx, ny, flags = plan
            low = flags & LOW_INCOME
            if flags & LARGE:
                use = use_large()
                kind = "pucca"
                floors = randint(2, 6)
            else:
                use = use_low() if low else use_major() if flags & MAJOR_FRONTAGE else use_lane()
                kind = (
                    structure_low()
                    if low
                    else structure_major()
                    if flags & MAJOR_FRONTAGE
                    else structure()
                )
                if kind == "pucca":
                    floors = pucca_floors()
                elif kind == "semi_pucca":
                    floors = 2 if rand() < 0.1 else 1
                else:
                    floors = 1
            status = "under_construction" if kind == "pucca" and rand() < 0.015 else "active"
            if status == "active":
                year = int(triangular(FIRST_YEAR[kind], LAST_YEAR, 2012))
            else:
                year = LAST_YEAR
            if status != "active" or use not in RESIDENT_USES:
                households = 0
            elif low:
                households = randint(1, 3)
            elif use == "mixed":
                households = max(1, floors - 1) * randint(1, 2)
            else:
                households = floors * (1 if kind != "pucca" or rand() < 0.6 else 2)
            population = sum(randint(2, 6) for _ in range(households))  # 4 a household
            source = water_low() if low else water()
            if low:
                sewage = sanitation_low()
            elif use in RESIDENT_USES:
                sewage = sanitation()
            else:
                sewage = sanitation_other()
            low_income = bool(low) or (kind in ("tin_shed", "kutcha") and rand() < 0.03)
            house_counter[road] += 1
            house = str(house_counter[road])
            if rand() < 0.08:
                house += "/" + ("A", "B", "1", "2")[randint(0, 3)]
            ring = footprint_ring(x0, y0, x1, y1, notch, nx, ny)
            # A point inside the footprint: the middle of its front half.
            mid_x = (x0 + x1) / 2
            mid_y = (y0 + y1) / 2
            if notch:
                mid_y = y0 + (y1 - y0) / 4 if notch in (3, 4) else y1 - (y1 - y0) / 4
            lon, lat = point(mid_x, mid_y)
            out.append(
                SyntheticBuilding(
                    pk,
                    bin_,
                    ward_ids[ward],
                    ward + 1,
                    zone,
                    plot,
                    road,
                    house,
                    use,
                    kind,
                    floors,
                    footprint_area(x0, y0, x1, y1, notch, nx, ny),
                    households,
                    population,
                    source,
                    sewage,
                    low_income,
                    lon,
                    lat,
                )
            )
            yield (
                f"{pk}\t{bin_}\t{polygon1_hex(flat(ring))}\t{house}\t{floors}\t{kind}\t{use}"
                f"\t{households}\t{population}\t{year}\t{source}\t{sewage}"
                f"\t{'t' if low_income else 'f'}\t{status}\t{now}\t{now}"
                f"\t{road_ids[road]}\t{ward_ids[ward]}\n"
            )

    gen.copy(registry.Building, BUILDING_COLUMNS, lines())


REGISTRY_STEPS = [wards_step, roads_step, water_step, buildings_step, holdings_step]
