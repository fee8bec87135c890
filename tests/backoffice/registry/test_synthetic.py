"""The synthetic city generator at the tiny scale: counts, determinism
across two municipalities, valid keys and geometry, the BIN sequence, and
all-or-nothing loading."""

import hashlib
import os
import re
import subprocess
import sys
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import connection
from django_tenants.utils import schema_context

from backoffice.registry import services
from backoffice.registry.codes import (
    holding_code_parse,
    validate_bd_phone,
    validate_holding_code,
    validate_nid,
)
from backoffice.registry.models import (
    Building,
    BuildingHolding,
    Drain,
    Holding,
    HoldingOwner,
    Owner,
    Road,
    Ward,
    Waterbody,
)
from backoffice.registry.synthetic import (
    PLACES,
    SCALES,
    GenerationRefused,
    city_generate,
    demo_step,
    registry_is_empty,
    steps,
)
from backoffice.registry.synthetic.generation import _registry_clear
from backoffice.registry.synthetic.layout import layout_make
from tenants.audit.models import AuditEvent

BANGLA = re.compile(r"[\u0980-\u09FF]")
TINY = SCALES["tiny"]


def generate(seed: int = 1, **kwargs):
    """Tiny scale; replaces what an earlier, committed test may have left."""
    kwargs.setdefault("replace", True)
    return city_generate(scale="tiny", seed=seed, **kwargs)


def registry_empty_make() -> None:
    with connection.cursor() as cursor:
        _registry_clear(cursor, [])


def test_tiny_scale_counts_and_every_attribute_filled(tenant_a):
    with schema_context(tenant_a.schema_name):
        gen = generate()
        assert Building.objects.count() == TINY.buildings == Holding.objects.count()
        assert gen.counts["registry.Building"] == TINY.buildings
        assert list(Ward.objects.values_list("number", flat=True)) == [1, 2, 3, 4]
        assert Road.objects.filter(road_class="main").exists()
        assert Road.objects.filter(road_class="lane").count() > 5
        assert Drain.objects.filter(road__isnull=False).count() == Drain.objects.count() > 0
        assert Waterbody.objects.filter(kind="river").count() == 1
        assert Waterbody.objects.filter(kind="pond").exists()
        assert Owner.objects.count() >= TINY.buildings
        # Every building has one holding of its own at least, every holding an owner.
        assert not Building.objects.filter(holdings__isnull=True).exists()
        assert not Holding.objects.filter(owners__isnull=True).exists()
        for field in ("house_number", "structure_type", "use", "water_source", "sanitation_system"):
            assert not Building.objects.filter(**{field: ""}).exists(), field
        assert not Building.objects.filter(construction_year__isnull=True).exists()
        assert not Building.objects.filter(road__isnull=True).exists()
        assert Building.objects.filter(low_income=True).exists()
        assert Building.objects.filter(population__gt=0).count() > TINY.buildings / 2
        assert AuditEvent.objects.filter(action="registry.generate").exists()


def _snapshot() -> dict:
    """Everything generated, keyed so two schemas compare: BINs as their
    distance from the first BIN (each schema has its own sequence and prefix)."""
    with connection.cursor() as cursor:

        def rows(sql: str) -> list:
            cursor.execute(sql)
            return cursor.fetchall()

        buildings = rows(
            "SELECT b.bin, ST_AsHexEWKB(footprint), house_number, floors,"
            " structure_type, use, households, population, construction_year, water_source,"
            " sanitation_system, low_income, status, w.number, r.code"
            " FROM registry_building b JOIN registry_ward w ON w.id = b.ward_id"
            " JOIN registry_road r ON r.id = b.road_id ORDER BY b.bin"
        )
        first = int(buildings[0][0][-7:])

        def relative(bin_: str) -> int:
            return int(bin_[-7:]) - first

        holdings = rows(
            "SELECT h.code, w.number, h.holding_type, h.annual_value, h.address, h.status,"
            " array_agg(b.bin ORDER BY b.bin)"
            " FROM registry_holding h JOIN registry_ward w ON w.id = h.ward_id"
            " JOIN registry_buildingholding bh ON bh.holding_id = h.id"
            " JOIN registry_building b ON b.id = bh.building_id"
            " GROUP BY h.id, w.number ORDER BY h.code"
        )
        return {
            "wards": rows(
                "SELECT number, name_en, name_bn, ST_AsHexEWKB(boundary) FROM registry_ward"
                " ORDER BY number"
            ),
            "roads": rows(
                "SELECT code, name_en, name_bn, road_class, width_m, ST_AsHexEWKB(line)"
                " FROM registry_road ORDER BY code"
            ),
            "drains": rows(
                "SELECT d.code, d.kind, r.code, ST_AsHexEWKB(d.line) FROM registry_drain d"
                " JOIN registry_road r ON r.id = d.road_id ORDER BY d.code"
            ),
            "water": rows(
                "SELECT name_en, name_bn, kind, ST_AsHexEWKB(area) FROM registry_waterbody"
                " ORDER BY ST_AsHexEWKB(area)"
            ),
            "buildings": [(relative(row[0]), *row[1:]) for row in buildings],
            "holdings": [(*row[:-1], [relative(b) for b in row[-1]]) for row in holdings],
            "owners": rows(
                "SELECT h.code, o.name_en, o.name_bn, o.gender, o.nid, o.phone, o.address,"
                " ho.share_percent FROM registry_holdingowner ho"
                " JOIN registry_holding h ON h.id = ho.holding_id"
                " JOIN registry_owner o ON o.id = ho.owner_id ORDER BY h.code, o.id"
            ),
        }


def test_same_seed_same_city_in_two_municipalities(tenant_a, tenant_b):
    khulna = PLACES["khulna"]
    with schema_context(tenant_a.schema_name):
        generate(seed=7, place=khulna)
        a = _snapshot()
        bins_a = list(Building.objects.values_list("bin", flat=True))
    with schema_context(tenant_b.schema_name):
        generate(seed=7, place=khulna)
        b = _snapshot()
        bins_b = list(Building.objects.values_list("bin", flat=True))
    for key in a:
        assert a[key] == b[key], key
    # Each municipality's own BIN format, and no row crossed over.
    assert all(x.startswith("KHU-") for x in bins_a)
    assert all(x.startswith("JAS-") for x in bins_b)
    with schema_context(tenant_a.schema_name):
        assert Building.objects.count() == TINY.buildings


def test_another_seed_another_city():
    one, two = layout_make(TINY, 1), layout_make(TINY, 2)
    assert one.buildings != two.buildings
    assert layout_make(TINY, 1).buildings == one.buildings


def test_keys_phones_and_names_valid(tenant_a):
    with schema_context(tenant_a.schema_name):
        generate(seed=3)
        codes = list(Holding.objects.values_list("code", flat=True))
        assert len(codes) == len(set(codes)) == TINY.buildings
        for code in codes:
            validate_holding_code(code)
        # The ward part of every code is its building's ward (and the holding's).
        links = BuildingHolding.objects.values_list(
            "holding__code", "holding__ward__number", "building__ward__number"
        )
        for code, holding_ward, building_ward in links:
            assert holding_code_parse(code).ward_number == holding_ward == building_ward
        bins = list(Building.objects.values_list("bin", flat=True))
        assert all(re.fullmatch(r"KHU-\d{7}", b) for b in bins)
        owners = list(Owner.objects.values_list("name_en", "name_bn", "phone", "nid"))
        for name_en, name_bn, phone, nid in owners:
            validate_bd_phone(phone)
            validate_nid(nid)
            assert BANGLA.search(name_bn) and not BANGLA.search(name_en)
        phones = [p for _, _, p, _ in owners if p]
        assert len(phones) > 0.9 * len(owners)
        assert all(re.fullmatch(r"\+8801[3-9]\d{8}", p) for p in phones)
        assert any(n.startswith("Md. ") for n, *_ in owners)
        assert any(b.startswith("মো. ") for _, b, *_ in owners)
        for model in (Ward, Road):
            assert all(BANGLA.search(n) for n in model.objects.values_list("name_bn", flat=True))
        # Nothing that would break COPY text.
        texts = [t for row in owners for t in row] + list(
            Holding.objects.values_list("address", flat=True)
        )
        assert not any(ch in t for t in texts for ch in "\t\n\\")


def test_geometry_valid_inside_wards_and_nothing_overlaps(tenant_a):
    with schema_context(tenant_a.schema_name):
        generate(seed=5)
        with connection.cursor() as cursor:
            cursor.execute(
                """
                SELECT
                  (SELECT count(*) FROM registry_building WHERE NOT ST_IsValid(footprint)),
                  (SELECT count(*) FROM registry_building a JOIN registry_building b
                     ON a.id < b.id AND ST_Intersects(a.footprint, b.footprint)),
                  (SELECT count(*) FROM registry_building b JOIN registry_ward w
                     ON w.id = b.ward_id WHERE NOT ST_CoveredBy(b.footprint, w.boundary)),
                  (SELECT count(*) FROM registry_building b JOIN registry_waterbody w
                     ON ST_Intersects(b.footprint, w.area)),
                  (SELECT count(*) FROM registry_ward a JOIN registry_ward b
                     ON a.id < b.id AND ST_Overlaps(a.boundary, b.boundary)),
                  (SELECT count(*) FROM registry_ward a JOIN registry_waterbody w
                     ON w.kind = 'river' AND ST_Intersects(a.boundary, w.area)),
                  (SELECT ST_Distance(ST_Centroid(ST_Collect(boundary)),
                     ST_SetSRID(ST_MakePoint(89.55, 22.82), 4326)) FROM registry_ward)
                """
            )
            invalid, overlaps, outside, in_water, wards_overlap, ward_river, off = cursor.fetchone()
        assert (invalid, overlaps, outside, in_water, wards_overlap, ward_river) == (0,) * 6
        assert off < 0.001  # the city is centred on Khulna


def test_bin_sequence_continues_after_generation(tenant_a):
    with schema_context(tenant_a.schema_name):
        generate(seed=2)
        bins = set(Building.objects.values_list("bin", flat=True))
        ward = Ward.objects.get(number=1)
        building = services.building_create(
            actor=None,
            footprint=ward.boundary.centroid.buffer(0.00003),
            structure_type="pucca",
            use="residential",
        )
        assert building.bin not in bins
        assert int(building.bin[4:]) > max(int(b[4:]) for b in bins)


def boom_step(gen):
    raise RuntimeError("boom")


def test_a_failure_mid_load_leaves_nothing(tenant_a, settings):
    settings.IMIS_SYNTHETIC_STEPS = ["tests.backoffice.registry.test_synthetic.boom_step"]
    with schema_context(tenant_a.schema_name):
        registry_empty_make()
        with pytest.raises(RuntimeError, match="boom"):
            generate(replace=False)
        assert registry_is_empty()
        assert not Building.objects.exists() and not HoldingOwner.objects.exists()


def test_a_failing_registry_step_leaves_nothing(tenant_a, monkeypatch):
    def holdings_boom(gen):
        raise ValidationError("half way")

    registry_steps = [
        s if s is not steps.holdings_step else holdings_boom for s in steps.REGISTRY_STEPS
    ]
    monkeypatch.setattr(steps, "REGISTRY_STEPS", registry_steps)
    with schema_context(tenant_a.schema_name):
        registry_empty_make()
        with pytest.raises(ValidationError):
            generate(replace=False)
        assert registry_is_empty()


seen: list = []


def spy_step(gen):
    seen.append((len(gen.buildings), len(gen.holdings), gen.buildings[0].ward_number))


def test_other_modules_add_steps_after_the_registry(tenant_a, settings):
    settings.IMIS_SYNTHETIC_STEPS = ["tests.backoffice.registry.test_synthetic.spy_step"]
    seen.clear()
    with schema_context(tenant_a.schema_name):
        gen = generate()
    assert seen == [(TINY.buildings, TINY.buildings, 1)]
    assert "spy_step" in gen.seconds


def test_refuses_public_and_template_and_a_registry_with_data(tenant_a, settings):
    with pytest.raises(GenerationRefused):
        city_generate(scale="tiny", seed=1)  # public schema
    with schema_context(settings.TENANT_BASE_SCHEMA), pytest.raises(GenerationRefused):
        city_generate(scale="tiny", seed=1)
    with schema_context(tenant_a.schema_name):
        first = generate()
        before = set(Building.objects.values_list("bin", flat=True))
        with pytest.raises(GenerationRefused, match="--replace"):
            generate(replace=False)
        again = generate(replace=True)
        after = set(Building.objects.values_list("bin", flat=True))
        assert Building.objects.count() == TINY.buildings
        assert not before & after  # BINs are never reused
        assert first.counts == again.counts
        assert any("removed" in note for note in again.notes)


def test_command(tenant_a):
    out = StringIO()
    with schema_context(tenant_a.schema_name):
        registry_empty_make()
        call_command("registry_generate", scale="tiny", seed=1, stdout=out)
        assert Building.objects.count() == TINY.buildings
        with pytest.raises(CommandError, match="--replace"):
            call_command("registry_generate", scale="tiny", seed=1, stdout=StringIO())
    assert "registry.Building" in out.getvalue() and "Done in" in out.getvalue()
    with pytest.raises(CommandError, match="public"):
        call_command("registry_generate", scale="tiny", seed=1, stdout=StringIO())


def test_demo_step_fills_an_empty_registry_only(tenant_a):
    with schema_context(tenant_a.schema_name):
        registry_empty_make()
        demo_step(tenant_a, scale="tiny")
        bins = set(Building.objects.values_list("bin", flat=True))
        assert len(bins) == TINY.buildings
        demo_step(tenant_a, scale="tiny")  # has data now: left alone
        assert set(Building.objects.values_list("bin", flat=True)) == bins


DIGEST = """
import hashlib, django
django.setup()
from backoffice.registry.synthetic.layout import layout_make
from backoffice.registry.synthetic.scales import SCALES
plan = layout_make(SCALES["tiny"], 11)
print(hashlib.sha256(repr((plan.buildings, plan.roads, plan.waters)).encode()).hexdigest())
"""


def test_layout_is_the_same_in_another_process():
    """No dependence on hash randomisation (set order) or process state."""
    plan = layout_make(TINY, 11)
    here = hashlib.sha256(repr((plan.buildings, plan.roads, plan.waters)).encode()).hexdigest()
    env = dict(os.environ, PYTHONHASHSEED="12345")
    result = subprocess.run(
        [sys.executable, "-c", DIGEST], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == here
