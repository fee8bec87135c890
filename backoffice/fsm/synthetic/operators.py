"""Who empties and where it goes: licensed service providers (with the
wards they serve), their drivers and emptiers, their vehicles, and the
treatment plants with a year of monthly effluent tests."""

import datetime
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model

from backoffice.fsm import models as fsm
from backoffice.registry.synthetic import Generation, names, weighted_picker
from backoffice.registry.synthetic.geometry import point_hex

NULL = "\\N"

# (English, Bangla) parts of a company name: "<place> <trade> <form>".
COMPANY_TRADE = (
    "Sanitation Services",
    "Sludge Management",
    "Pit Emptying Services",
    "Environment Care",
    "Cleaning Services",
    "Septic Services",
)
COMPANY_FORM = ("Ltd.", "Enterprise", "Cooperative Society", "Traders")
VEHICLE_SIZES = {  # capacity m³, width m, share
    (0.9, 1.2): 2,  # Vacutug, for narrow lanes
    (2.0, 1.7): 4,
    (3.0, 2.1): 4,
    (4.0, 2.3): 2,
    (6.0, 2.5): 1,
}
PLATE_SERIES = ("THA", "DA", "NA", "MA", "TA", "HA")
PLANT_KINDS = {"fstp": 5, "drying_beds": 2, "co_treatment": 1}
PLANT_NAMES = (
    "Rajbandh Faecal Sludge Treatment Plant",
    "Rupsha Co-treatment Plant",
    "Batiaghata Drying Beds",
    "Ferighat Sludge Treatment Plant",
)


@dataclass
class Provider:
    id: int
    name: str
    wards: list[int]  # ward ids
    active: bool
    vehicles: list[tuple[int, float]] = field(default_factory=list)  # (id, capacity m³)
    crew: list[int] = field(default_factory=list)  # employee ids


@dataclass
class Plant:
    id: int
    name: str
    share: float  # relative share of the disposals it receives


@dataclass
class Operators:
    providers: list[Provider]
    plants: list[Plant]
    by_ward: dict[int, list[Provider]]  # ward id -> active providers serving it
    manager_id: int | None
    member_of: dict[int, int]  # provider id -> the user who records its jobs
    caretaker_of: dict[int, int]  # plant id -> its caretaker user


def provider_count(gen: Generation) -> int:
    return max(3, len(gen.ward_ids) // 3)  # tiny 3, medium 4, Khulna 10


def plant_count(gen: Generation) -> int:
    return 1 + len(gen.ward_ids) // 15  # tiny and medium 1, Khulna 3


def role_user_id(role: str) -> int | None:
    """The first active user holding ``role`` (the demo's user named after it)."""
    users = get_user_model().objects.filter(groups__name=role, is_active=True)
    named = users.filter(username=role).values_list("pk", flat=True).first()
    return named or users.order_by("pk").values_list("pk", flat=True).first()


def _person(rng) -> str:
    given, _ = rng.choice(names.MUSLIM_MALE_GIVEN)
    family, _ = rng.choice(names.MUSLIM_MALE_FAMILY)
    if rng.random() < 0.12:
        given, _ = rng.choice(names.HINDU_MALE_GIVEN)
        family, _ = rng.choice(names.HINDU_FAMILY)
        return f"{given} {family}"
    return f"{names.MD[0]} {given} {family}" if rng.random() < 0.6 else f"{given} {family}"


def _phone(rng) -> str:
    return f"+8801{rng.choice('3456789')}{rng.randint(0, 99_999_999):08d}"


def _day(anchor: datetime.date, rng, low: int, high: int) -> str:
    return (anchor - datetime.timedelta(days=rng.randint(low, high))).isoformat()


def operators_make(gen: Generation, *, today: datetime.date) -> Operators:
    rng = gen.rng("fsm-operators")
    place = gen.place.code.replace("_", " ").title()
    neighbourhoods = [en for en, _ in names.NEIGHBOURHOODS]
    ward_ids = list(gen.ward_ids)

    # Providers: each serves a run of neighbouring wards; every ward has one at least.
    count = provider_count(gen)
    ids = gen.ids(fsm.ServiceProvider, count)
    providers: list[Provider] = []
    used: set[str] = set()
    for index, pk in enumerate(ids):
        while True:
            name = (
                f"{rng.choice([place, *neighbourhoods])} {rng.choice(COMPANY_TRADE)}"
                f" {rng.choice(COMPANY_FORM)}"
            )
            if name not in used:
                used.add(name)
                break
        first = index * len(ward_ids) // count
        last = (index + 1) * len(ward_ids) // count
        served = ward_ids[first:last]
        # Some also work the wards next to their own.
        if rng.random() < 0.5 and last < len(ward_ids):
            served.append(ward_ids[last])
        active = index == 0 or rng.random() > 0.08
        providers.append(Provider(pk, name, served, active))
    gen.copy(
        fsm.ServiceProvider,
        ["id", "name", "licence_number", "contact_person", "phone", "email", "status"],
        (
            f"{p.id}\t{p.name}\tFSM-{gen.place.code[:3].upper()}-{2019 + i % 6}-{100 + i:04d}"
            f"\t{_person(rng)}\t{_phone(rng)}\toffice{i + 1}@provider.example.org"
            f"\t{'active' if p.active else 'suspended'}\n"
            for i, p in enumerate(providers)
        ),
    )
    links = [(p.id, w) for p in providers for w in p.wards]
    through = fsm.ServiceProvider.wards.through
    link_ids = gen.ids(through, len(links))
    gen.copy(
        through,
        ["id", "serviceprovider_id", "ward_id"],
        (f"{pk}\t{p}\t{w}\n" for pk, (p, w) in zip(link_ids, links, strict=True)),
    )

    # Crews: a supervisor, drivers and emptiers per provider.
    crew_rows: list[tuple] = []
    for p in providers:
        crew_rows.append((p, "supervisor"))
        crew_rows += [(p, "driver")] * rng.randint(2, 4)
        crew_rows += [(p, "emptier")] * rng.randint(4, 8)
    crew_ids = gen.ids(fsm.Employee, len(crew_rows))

    def crew_lines():
        for pk, (p, role) in zip(crew_ids, crew_rows, strict=True):
            p.crew.append(pk)
            licence = f"KN{rng.randint(0, 9_999_999):07d}" if role == "driver" else ""
            trained = _day(today, rng, 30, 1500) if rng.random() < 0.8 else NULL
            status = "active" if rng.random() < 0.95 else "inactive"
            yield (
                f"{pk}\t{p.id}\t{_person(rng)}\t{role}\t{_phone(rng)}\t{licence}"
                f"\t{trained}\t{status}\n"
            )

    gen.copy(
        fsm.Employee,
        ["id", "provider_id", "name", "role", "phone", "licence_number", "trained_on", "status"],
        crew_lines(),
    )

    # Vehicles: Bangladeshi plates ("KHULNA METRO-TA 11-2345").
    size = weighted_picker(rng, VEHICLE_SIZES)
    metro = gen.place.code.upper()
    vehicle_rows = [(p, size()) for p in providers for _ in range(rng.randint(1, 4))]
    vehicle_ids = gen.ids(fsm.Vehicle, len(vehicle_rows))
    plates: set[str] = set()

    def vehicle_lines():
        for pk, (p, (capacity, width)) in zip(vehicle_ids, vehicle_rows, strict=True):
            while True:
                plate = (
                    f"{metro} METRO-{rng.choice(PLATE_SERIES)} {rng.randint(11, 99)}"
                    f"-{rng.randint(1000, 9999)}"
                )
                if plate not in plates:
                    plates.add(plate)
                    break
            r = rng.random()
            status = "in_service" if r < 0.85 else "maintenance" if r < 0.95 else "out_of_service"
            if not p.vehicles:
                status = "in_service"  # every provider can take jobs
            if status == "in_service":
                p.vehicles.append((pk, capacity))
            yield f"{pk}\t{p.id}\t{plate}\t{capacity:.2f}\t{width:.2f}\t{status}\n"

    gen.copy(
        fsm.Vehicle,
        ["id", "provider_id", "plate", "capacity_m3", "width_m", "status"],
        vehicle_lines(),
    )

    # Treatment plants at the edge of the city; the first is the demo caretaker's.
    caretaker = role_user_id("caretaker")
    kind = weighted_picker(rng, PLANT_KINDS)
    layout = gen.layout
    plant_ids = gen.ids(fsm.TreatmentPlant, plant_count(gen))
    plants = [
        Plant(pk, PLANT_NAMES[i % len(PLANT_NAMES)], 1.0 if i == 0 else 0.35)
        for i, pk in enumerate(plant_ids)
    ]

    def plant_lines():
        for i, plant in enumerate(plants):
            x = layout.width * (0.05 + 0.9 * ((i * 0.61) % 1))
            lon, lat = gen.frame.point(x, -150.0 - 80 * i)  # just south of the city
            owner = caretaker if i == 0 and caretaker else NULL
            capacity = rng.choice((50, 80, 100, 150, 200))
            yield (
                f"{plant.id}\t{plant.name}\t{'fstp' if i == 0 else kind()}\t{point_hex(lon, lat)}"
                f"\t{capacity:.2f}\t{owner}\tactive\n"
            )

    gen.copy(
        fsm.TreatmentPlant,
        ["id", "name", "kind", "location", "capacity_m3_per_day", "caretaker_id", "status"],
        plant_lines(),
    )

    # A year of monthly effluent tests; now and then one fails a standard.
    tests = [(plant, month) for plant in plants for month in range(12)]
    test_ids = gen.ids(fsm.EffluentTest, len(tests))

    def test_lines():
        for pk, (plant, month) in zip(test_ids, tests, strict=True):
            sampled = today - datetime.timedelta(days=30 * month + rng.randint(0, 6))
            bad = rng.random() < 0.15
            ph = rng.uniform(6.4, 8.6) if not bad or rng.random() < 0.5 else rng.uniform(5.2, 9.6)
            bod = rng.uniform(8, 28) * (2.2 if bad else 1)
            cod = rng.uniform(60, 180) * (1.8 if bad else 1)
            tss = rng.uniform(30, 90) * (1.6 if bad else 1)
            ecoli = rng.randint(50, 900) * (8 if bad else 1)
            yield (
                f"{pk}\t{plant.id}\t{sampled.isoformat()}\t{ph:.2f}\t{bod:.2f}\t{cod:.2f}"
                f"\t{tss:.2f}\t{ecoli}\n"
            )

    gen.copy(
        fsm.EffluentTest,
        ["id", "plant_id", "sampled_on", "ph", "bod", "cod", "tss", "ecoli"],
        test_lines(),
    )

    by_ward: dict[int, list[Provider]] = {}
    for p in providers:
        if p.active:
            for w in p.wards:
                by_ward.setdefault(w, []).append(p)
    fallback = [p for p in providers if p.active]
    for w in ward_ids:
        by_ward.setdefault(w, fallback)
    # The demo's service provider user works for the first provider.
    member = role_user_id("service_provider")
    member_of = {providers[0].id: member} if member else {}
    gen.copy(
        fsm.ProviderMember,
        ["id", "provider_id", "user_id"],
        (
            f"{pk}\t{p}\t{u}\n"
            for pk, (p, u) in zip(
                gen.ids(fsm.ProviderMember, len(member_of)), member_of.items(), strict=True
            )
        ),
    )
    caretaker_of = {plants[0].id: caretaker} if caretaker else {}
    manager = role_user_id("fsm_manager")
    return Operators(providers, plants, by_ward, manager, member_of, caretaker_of)
