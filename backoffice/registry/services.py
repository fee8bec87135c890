"""Writes to the registry.  Each service is one transaction: validate,
save, record history and an audit event."""

from decimal import Decimal

from django.contrib.gis.geos import GEOSGeometry, MultiPolygon, Polygon
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils.translation import gettext as _

from backoffice.registry.codes import bin_format, holding_code_parse, phone_normalise
from backoffice.registry.history import change_record, relation_record, snapshot
from backoffice.registry.models import (
    BIN_SEQUENCE,
    Building,
    BuildingHolding,
    ChangeRecord,
    Holding,
    HoldingEvent,
    HoldingOwner,
    Owner,
    RegistryConfig,
    Ward,
)
from tenants.audit.services import audit_event_record


def registry_config_get() -> RegistryConfig:
    config = RegistryConfig.objects.first()
    return config if config is not None else RegistryConfig.objects.create()


def bin_allocate(*, config: RegistryConfig | None = None) -> str:
    """The next BIN from this municipality's sequence (never max()+1)."""
    config = config or registry_config_get()
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(%s)", [BIN_SEQUENCE])
        (number,) = cursor.fetchone()
    return bin_format(prefix=config.bin_prefix, digits=config.bin_digits, number=number)


def footprint_clean(geometry) -> MultiPolygon:
    """EPSG:4326 multipolygon, repaired when PostGIS can repair it."""
    geom = geometry if isinstance(geometry, GEOSGeometry) else GEOSGeometry(geometry)
    if geom.srid is None:
        geom.srid = 4326
    if geom.srid != 4326:
        geom.transform(4326)
    if not geom.valid:
        geom = geom.make_valid()
    if isinstance(geom, Polygon):
        geom = MultiPolygon(geom, srid=4326)
    if not isinstance(geom, MultiPolygon) or geom.empty:
        polygons = [g for g in getattr(geom, "__iter__", lambda: [])() if isinstance(g, Polygon)]
        if not polygons:
            raise ValidationError({"footprint": _("A footprint must be a polygon.")})
        geom = MultiPolygon(*polygons, srid=4326)
    return geom


def ward_for_geometry(geometry: GEOSGeometry) -> Ward:
    point = geometry.point_on_surface
    ward = Ward.objects.filter(boundary__contains=point).first()
    if ward is None:
        raise ValidationError(
            {"footprint": _("The footprint is outside every ward of this municipality.")}
        )
    return ward


def _create_recorded(*, actor, instance):
    """Validate, save and write the "created" history row."""
    instance.full_clean()
    instance.save()
    change_record(actor=actor, instance=instance, action=ChangeRecord.Action.CREATE)
    return instance


def _locked_with_snapshot(instance):
    """The row, locked for this transaction, and its fields before the change."""
    locked = type(instance).objects.select_for_update().get(pk=instance.pk)
    return locked, snapshot(locked)


def _update_recorded(*, actor, instance, before: dict, fields: dict):
    """Apply ``fields``, validate, save and record what changed."""
    for name, value in fields.items():
        setattr(instance, name, value)
    instance.full_clean()
    instance.save()
    change_record(actor=actor, instance=instance, action=ChangeRecord.Action.UPDATE, before=before)
    return instance


def _code_taken(code: str) -> ValidationError:
    return ValidationError(
        {"code": _("The holding code %(code)s is already registered.") % {"code": code}}
    )


@transaction.atomic
def building_create(*, actor, footprint, ward: Ward | None = None, **fields) -> Building:
    footprint = footprint_clean(footprint)
    building = Building(footprint=footprint, ward=ward or ward_for_geometry(footprint), **fields)
    building.bin = bin_allocate()
    return _create_recorded(actor=actor, instance=building)


@transaction.atomic
def building_update(*, actor, building: Building, **fields) -> Building:
    building, before = _locked_with_snapshot(building)
    if "footprint" in fields:
        fields["footprint"] = footprint_clean(fields["footprint"])
        if "ward" not in fields:
            fields["ward"] = ward_for_geometry(fields["footprint"])
    return _update_recorded(actor=actor, instance=building, before=before, fields=fields)


def _ward_of_code(code) -> Ward:
    ward = Ward.objects.filter(number=code.ward_number).first()
    if ward is None:
        raise ValidationError(
            {"code": _("Ward %(ward)s does not exist in this municipality.") % {"ward": code.ward}}
        )
    return ward


@transaction.atomic
def holding_create(
    *,
    actor,
    code: str,
    holding_type: str,
    annual_value: Decimal | str = "0",
    address: str = "",
    buildings: list[Building] = (),
    owners: list[Owner] = (),
) -> Holding:
    parsed = holding_code_parse(code)
    normal = str(parsed)
    if Holding.objects.filter(code=normal).exists():
        raise _code_taken(normal)
    holding = Holding(
        code=normal,
        ward=_ward_of_code(parsed),
        holding_type=holding_type,
        annual_value=Decimal(str(annual_value)),
        address=address,
    )
    _create_recorded(actor=actor, instance=holding)
    for building in buildings:
        BuildingHolding.objects.create(building=building, holding=holding)
    for owner in owners:
        HoldingOwner.objects.create(holding=holding, owner=owner)
    if buildings:
        relation_record(
            actor=actor,
            instance=holding,
            field="buildings",
            before=[],
            after=sorted(b.bin for b in buildings),
        )
    return holding


@transaction.atomic
def holding_update(*, actor, holding: Holding, **fields) -> Holding:
    holding, before = _locked_with_snapshot(holding)
    if "code" in fields:
        parsed = holding_code_parse(fields["code"])
        fields["code"] = str(parsed)
        fields["ward"] = _ward_of_code(parsed)
        if Holding.objects.filter(code=fields["code"]).exclude(pk=holding.pk).exists():
            raise _code_taken(fields["code"])
    return _update_recorded(actor=actor, instance=holding, before=before, fields=fields)


@transaction.atomic
def holding_buildings_set(*, actor, holding: Holding, buildings: list[Building]) -> None:
    before = sorted(holding.buildings.values_list("bin", flat=True))
    BuildingHolding.objects.filter(holding=holding).exclude(building__in=buildings).delete()
    for building in buildings:
        BuildingHolding.objects.get_or_create(building=building, holding=holding)
    relation_record(
        actor=actor,
        instance=holding,
        field="buildings",
        before=before,
        after=sorted(b.bin for b in buildings),
    )


@transaction.atomic
def holding_owner_add(
    *, actor, holding: Holding, owner: Owner, share_percent: Decimal | str = "100"
) -> HoldingOwner:
    """Link one more owner to a holding (history on the holding)."""
    before = sorted(holding.owners.values_list("pk", flat=True))
    link, _created = HoldingOwner.objects.get_or_create(
        holding=holding, owner=owner, defaults={"share_percent": Decimal(str(share_percent))}
    )
    relation_record(
        actor=actor,
        instance=holding,
        field="owners",
        before=before,
        after=sorted({*before, owner.pk}),
    )
    return link


@transaction.atomic
def owner_create(*, actor, name_en: str, phone: str = "", **fields) -> Owner:
    owner = Owner(name_en=name_en, phone=phone_normalise(phone) if phone else "", **fields)
    return _create_recorded(actor=actor, instance=owner)


@transaction.atomic
def owner_update(*, actor, owner: Owner, **fields) -> Owner:
    owner, before = _locked_with_snapshot(owner)
    if fields.get("phone"):
        fields["phone"] = phone_normalise(fields["phone"])
    return _update_recorded(actor=actor, instance=owner, before=before, fields=fields)


def _retire(actor, holding: Holding) -> None:
    holding_update(actor=actor, holding=holding, status="retired")


@transaction.atomic
def holdings_merge(
    *, actor, codes: list[str], into_code: str, holding_type: str | None = None, note: str = ""
) -> Holding:
    """Retire several holdings; one new holding takes their buildings,
    owners and the sum of their annual values."""
    normal = [holding_code_parse(c).__str__() for c in codes]
    sources = list(Holding.objects.select_for_update().filter(code__in=normal, status="active"))
    if len(sources) != len(set(normal)) or len(sources) < 2:
        raise ValidationError(_("Merge needs two or more active holdings that exist."))
    buildings = list(Building.objects.filter(holdings__in=sources).distinct())
    owners = list(Owner.objects.filter(holdings__in=sources).distinct())
    for source in sources:
        _retire(actor, source)
    result = holding_create(
        actor=actor,
        code=into_code,
        holding_type=holding_type or sources[0].holding_type,
        annual_value=sum((s.annual_value for s in sources), Decimal("0")),
        address=sources[0].address,
        buildings=buildings,
        owners=owners,
    )
    HoldingEvent.objects.create(
        kind=HoldingEvent.Kind.MERGE,
        sources=sorted(normal),
        results=[result.code],
        note=note,
        actor_username=getattr(actor, "username", ""),
    )
    audit_event_record(
        actor=actor, action="holding.merge", obj=result, data={"sources": sorted(normal)}
    )
    return result


@transaction.atomic
def holding_split(*, actor, code: str, parts: list[dict], note: str = "") -> list[Holding]:
    """Retire one holding; each part ``{"code", "annual_value", "buildings"}``
    becomes a new holding with the source's owners."""
    normal = str(holding_code_parse(code))
    source = Holding.objects.select_for_update().filter(code=normal, status="active").first()
    if source is None:
        raise ValidationError(_("Split needs an active holding that exists."))
    if len(parts) < 2:
        raise ValidationError(_("A split makes two or more holdings."))
    owners = list(source.owners.all())
    _retire(actor, source)
    results = [
        holding_create(
            actor=actor,
            code=part["code"],
            holding_type=part.get("holding_type", source.holding_type),
            annual_value=part.get("annual_value", "0"),
            address=part.get("address", source.address),
            buildings=part.get("buildings", []),
            owners=owners,
        )
        for part in parts
    ]
    HoldingEvent.objects.create(
        kind=HoldingEvent.Kind.SPLIT,
        sources=[normal],
        results=[r.code for r in results],
        note=note,
        actor_username=getattr(actor, "username", ""),
    )
    audit_event_record(
        actor=actor, action="holding.split", obj=source, data={"results": [r.code for r in results]}
    )
    return results
