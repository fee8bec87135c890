"""The holdings step: one holding per building (a few extensions and
shared compounds), its LGED code from the building's ward and block, an
assessed annual value, and owners with Bangladeshi names in English and
Bangla, phones and national IDs."""

from backoffice.registry import models as registry
from backoffice.registry.synthetic import names
from backoffice.registry.synthetic.generation import Generation, SyntheticHolding, weighted_picker

HOLDING_TYPE = {
    "residential": "residential",
    "commercial": "commercial",
    "mixed": "mixed",
    "industrial": "industrial",
    "government": "government",
    "religious": "religious",
}
RATE = {"pucca": 30.0, "semi_pucca": 18.0, "tin_shed": 9.0, "kutcha": 6.0, "other": 8.0}
TYPE_FACTOR = {
    "residential": 1.0,
    "commercial": 2.5,
    "mixed": 1.7,
    "industrial": 1.3,
    "government": 0.6,
    "religious": 0.4,
}
PHONE_PREFIX = {"7": 30, "8": 20, "9": 20, "3": 12, "6": 12, "5": 5, "4": 1}
SUBDIVIDED_SHARE = 0.03  # a holding that is an extension (-01, -02) of its neighbour's number
SHARED_COMPOUND_SHARE = 0.02  # a holding that also takes in the next building of its block
LANDLORD_SHARE = 0.04  # a holding whose owner already owns another one in the ward


def _owner_counts(gen: Generation) -> tuple[list[str], list[int], list[bool]]:
    """First pass, its own random stream: each holding's type, how many new
    owners it brings, and whether its owner already owns one in the ward."""
    rng = gen.rng("holding-owners")
    rand = rng.random
    types, new_owners, reuse = [], [], []
    seen_wards: set[int] = set()
    for b in gen.buildings:
        kind = HOLDING_TYPE.get(b.use)
        if kind is None:  # institutional, health, education: public or private
            kind = "government" if rand() < 0.4 else "commercial"
        types.append(kind)
        if kind in ("government", "religious"):
            new_owners.append(1)
            reuse.append(False)
        else:
            landlord = b.ward_id in seen_wards and rand() < LANDLORD_SHARE
            r = rand()
            count = 1 if r < 0.82 else 2 if r < 0.97 else 3
            new_owners.append(count - 1 if landlord else count)
            reuse.append(landlord)
            seen_wards.add(b.ward_id)  # a person owns a holding here now
    return types, new_owners, reuse


def holdings_step(gen: Generation) -> None:
    buildings = gen.buildings
    layout = gen.layout
    types, new_owners, reuse = _owner_counts(gen)
    holding_ids = gen.ids(registry.Holding, len(buildings))
    owner_ids = iter(gen.ids(registry.Owner, sum(new_owners)))
    rng = gen.rng("holdings")
    rand, randint, choice, uniform = rng.random, rng.randint, rng.choice, rng.uniform
    phone_prefix = weighted_picker(rng, PHONE_PREFIX)
    district = gen.place.district
    now = gen.now

    holdings: list[str] = []
    owners: list[str] = []
    building_links: list[tuple[int, int]] = []
    owner_links: list[tuple[int, int, str]] = []
    recent: dict[int, list[int]] = {}  # ward id -> the last owners made there
    block_last: tuple = (None, None, "", 0)  # ward, zone, holding number, extension

    def person(male: bool, hindu: bool) -> tuple[str, str]:
        if hindu:
            if male:
                (ge, gb), (fe, fb) = choice(names.HINDU_MALE_GIVEN), choice(names.HINDU_FAMILY)
                if rand() < 0.6:
                    me, mb = choice(names.HINDU_MALE_MIDDLE)
                    return f"{ge} {me} {fe}", f"{gb} {mb} {fb}"
                return f"{ge} {fe}", f"{gb} {fb}"
            (ge, gb), (fe, fb) = choice(names.HINDU_FEMALE_GIVEN), choice(names.HINDU_FAMILY)
            if rand() < 0.6:
                me, mb = names.HINDU_FEMALE_MIDDLE
                return f"{ge} {me} {fe}", f"{gb} {mb} {fb}"
            return f"{ge} {fe}", f"{gb} {fb}"
        if male:
            (ge, gb), (fe, fb) = choice(names.MUSLIM_MALE_GIVEN), choice(names.MUSLIM_MALE_FAMILY)
            if ge == fe:
                fe, fb = names.MUSLIM_MALE_FAMILY[0]
            if rand() < 0.65:
                return f"{names.MD[0]} {ge} {fe}", f"{names.MD[1]} {gb} {fb}"
            return f"{ge} {fe}", f"{gb} {fb}"
        (ge, gb), (fe, fb) = choice(names.MUSLIM_FEMALE_GIVEN), choice(names.MUSLIM_FEMALE_FAMILY)
        return f"{ge} {fe}", f"{gb} {fb}"

    def phone() -> str:
        if rand() < 0.04:
            return ""
        return f"+8801{phone_prefix()}{randint(0, 99_999_999):08d}"

    def nid() -> str:
        r = rand()
        if r < 0.55:
            return f"{randint(1, 9)}{randint(0, 999_999_999):09d}"
        if r < 0.85:
            return f"{randint(1940, 2002)}{district}{randint(0, 99_999_999_999):011d}"
        if r < 0.9:
            return f"{district}{randint(0, 99_999_999_999):011d}"
        return ""

    for i, (b, kind, pk) in enumerate(zip(buildings, types, holding_ids, strict=True)):
        # The code: ward-zone-holding-extension; the zone is the block.
        number, extension = b.plot, 0
        last_ward, last_zone, last_number, last_ext = block_last
        if last_ward == b.ward_number and last_zone == b.zone and rand() < SUBDIVIDED_SHARE:
            number, extension = last_number, last_ext + 1
        block_last = (b.ward_number, b.zone, number, extension)
        code = f"{b.ward_number:02d}-{b.zone:03d}-{number:04d}-{extension:02d}"
        ward = layout.wards[b.ward_number - 1]
        road = layout.roads[b.road_index]
        address = f"House {b.house_number}, {road.name_en}, {ward.name_en}"
        value = b.floor_area * b.floors * RATE[b.structure_type] * TYPE_FACTOR[kind] * 12
        value = max(1200, round(value * uniform(0.8, 1.25), -2))
        holdings.append(
            f"{pk}\t{code}\t{b.ward_id}\t{kind}\t{value:.2f}\t{address}\tactive\t{now}\t{now}\n"
        )
        building_links.append((b.id, pk))
        if i + 1 < len(buildings) and rand() < SHARED_COMPOUND_SHARE:
            following = buildings[i + 1]
            if following.ward_number == b.ward_number and following.zone == b.zone:
                building_links.append((following.id, pk))
        gen.holdings.append(SyntheticHolding(pk, code, b.ward_id, kind, b.id))

        # Owners.
        if kind in ("government", "religious"):
            pool = names.GOVERNMENT_OWNERS if kind == "government" else names.RELIGIOUS_OWNERS
            name_en, name_bn = choice(pool)
            owner = next(owner_ids)
            owners.append(f"{owner}\t{name_en}\t{name_bn}\tunknown\t\t{phone()}\t{address}\n")
            owner_links.append((pk, owner, "100.00"))
            continue
        members: list[int] = []
        if reuse[i]:
            members.append(choice(recent[b.ward_id]))
        hindu = rand() < 0.1
        male = rand() < 0.7
        for _ in range(new_owners[i]):
            owner = next(owner_ids)
            name_en, name_bn = person(male, hindu)
            gender = "male" if male else "female"
            owners.append(
                f"{owner}\t{name_en}\t{name_bn}\t{gender}\t{nid()}\t{phone()}\t{address}\n"
            )
            members.append(owner)
            male = not male if rand() < 0.8 else male
        shares = {1: ["100.00"], 2: ["50.00", "50.00"], 3: ["33.34", "33.33", "33.33"]}
        for owner, share in zip(members, shares[len(members)], strict=True):
            owner_links.append((pk, owner, share))
        ward_recent = recent.setdefault(b.ward_id, [])
        ward_recent.append(members[-1])
        if len(ward_recent) > 50:
            del ward_recent[0]

    gen.copy(
        registry.Holding,
        [
            "id",
            "code",
            "ward_id",
            "holding_type",
            "annual_value",
            "address",
            "status",
            "created_at",
            "updated_at",
        ],
        holdings,
    )
    gen.copy(
        registry.Owner, ["id", "name_en", "name_bn", "gender", "nid", "phone", "address"], owners
    )
    link_ids = gen.ids(registry.BuildingHolding, len(building_links))
    gen.copy(
        registry.BuildingHolding,
        ["id", "building_id", "holding_id"],
        (f"{pk}\t{b}\t{h}\n" for pk, (b, h) in zip(link_ids, building_links, strict=True)),
    )
    link_ids = gen.ids(registry.HoldingOwner, len(owner_links))
    gen.copy(
        registry.HoldingOwner,
        ["id", "holding_id", "owner_id", "share_percent"],
        (f"{pk}\t{h}\t{o}\t{s}\n" for pk, (h, o, s) in zip(link_ids, owner_links, strict=True)),
    )
