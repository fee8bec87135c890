"""Reads of the registry, filtered for the acting user."""

from dataclasses import dataclass

from django.contrib.gis.db.models.functions import SnapToGrid
from django.contrib.gis.geos import Polygon
from django.db.models import Exists, OuterRef, Q, QuerySet

from backoffice.registry.codes import BANGLA_DIGITS
from backoffice.registry.models import (
    Building,
    BuildingHolding,
    ChangeRecord,
    Holding,
    HoldingEvent,
    Ward,
)
from backoffice.registry.privacy import can_see_owners


@dataclass(frozen=True)
class BuildingFilters:
    q: str = ""
    ward: int | None = None
    use: str = ""
    structure_type: str = ""
    has_holding: bool | None = None
    low_income: bool | None = None


def building_list(*, actor, filters: BuildingFilters = BuildingFilters()) -> QuerySet[Building]:
    qs = Building.objects.select_related("ward", "road")
    if filters.q:
        q = filters.q.strip().translate(BANGLA_DIGITS)
        # Case-sensitive prefixes use the keys' own indexes (the database
        # sorts bytewise: registry migration 0008) and the holding match is
        # a subquery, so no join and no DISTINCT: about 50 ms instead of
        # 0.5-1 s at Khulna's 156,052 buildings.
        coded = BuildingHolding.objects.filter(holding__code__startswith=q)
        qs = qs.filter(
            Q(bin__startswith=q.upper())
            | Q(bin__startswith=q)
            | Q(house_number__iexact=q)
            | Q(pk__in=coded.values("building_id"))
        )
    if filters.ward is not None:
        qs = qs.filter(ward__number=filters.ward)
    if filters.use:
        qs = qs.filter(use=filters.use)
    if filters.structure_type:
        qs = qs.filter(structure_type=filters.structure_type)
    if filters.has_holding is not None:
        linked = Exists(BuildingHolding.objects.filter(building=OuterRef("pk")))
        qs = qs.filter(linked if filters.has_holding else ~linked)
    if filters.low_income is not None:
        qs = qs.filter(low_income=filters.low_income)
    return qs.order_by("bin")


def building_get(*, actor, bin: str) -> Building:
    return (
        Building.objects.select_related("ward", "road")
        .defer("ward__boundary", "road__line")  # a ward's outline can weigh megabytes
        .get(bin=bin)
    )


def holding_list(*, actor, q: str = "", ward: int | None = None) -> QuerySet[Holding]:
    qs = Holding.objects.select_related("ward")
    if q:
        text = q.strip().translate(BANGLA_DIGITS)
        if can_see_owners(actor):
            qs = qs.filter(
                Q(code__startswith=text)
                | Q(owners__name_en__icontains=text)
                | Q(owners__name_bn__icontains=q.strip())
            ).distinct()
        else:  # searching by a name would tell who owns what
            qs = qs.filter(code__startswith=text)
    if ward is not None:
        qs = qs.filter(ward__number=ward)
    return qs.order_by("code")


def holding_get(*, actor, code: str) -> Holding:
    return Holding.objects.select_related("ward").defer("ward__boundary").get(code=code)


def change_history(*, actor, instance) -> QuerySet[ChangeRecord]:
    """The record's own changes, and the one record of the import that
    created it (a building a bulk import wrote names its job)."""
    model = instance._meta.model_name
    own = Q(model=model, object_id=instance.pk) & ~Q(action=ChangeRecord.Action.IMPORT)
    job = getattr(instance, "import_job", None)
    if job is not None:
        own |= Q(model=model, object_id=job, action=ChangeRecord.Action.IMPORT)
    return ChangeRecord.objects.filter(own)


def holding_events(*, actor, code: str) -> QuerySet[HoldingEvent]:
    return HoldingEvent.objects.filter(Q(sources__contains=[code]) | Q(results__contains=[code]))


def building_neighbours(
    *, actor, extent: tuple[float, float, float, float], exclude_pk=None, limit: int = 200
) -> QuerySet[Building]:
    """Footprints whose bounding box overlaps ``extent`` (lon/lat), for the
    small maps of the staff pages: capped, uses the spatial index."""
    box = Polygon.from_bbox(extent)
    box.srid = 4326
    qs = Building.objects.filter(footprint__bboverlaps=box).only("bin", "footprint")
    if exclude_pk is not None:
        qs = qs.exclude(pk=exclude_pk)
    return qs.order_by()[:limit]  # no ORDER BY: let the planner use the GiST index


def ward_list(*, actor) -> QuerySet:
    """Wards for filters and pickers: numbers and names, no boundaries."""
    return Ward.objects.only("number", "name_en", "name_bn").order_by("number")


def ward_outlines(*, actor, tolerance: float = 0.0002) -> QuerySet:
    """Ward boundaries simplified on the server, for small context maps."""
    return (
        Ward.objects.annotate(outline=SnapToGrid("boundary", tolerance))
        .only("number")
        .order_by("number")
    )
