"""The file columns of each kind of import, shared with the exporter so an
exported file imports again as it is.  Names are at most 10 characters
(Shapefile's limit) and lower case (ogr2ogr launders names to lower case)."""

from dataclasses import dataclass

from backoffice.registry import choices


@dataclass(frozen=True)
class Column:
    name: str  # in the file
    target: str  # column of the registry table
    type: str  # text | int | decimal | bool | choice
    required: bool = False
    max_length: int | None = None
    minimum: int | None = None
    maximum: int | None = None
    choices: tuple[str, ...] = ()
    default: object = None  # used when the cell is empty


@dataclass(frozen=True)
class KindSpec:
    kind: str
    table: str  # the registry table rows go into
    model: str  # ChangeRecord.model
    columns: tuple[Column, ...]
    geometry: str | None = None  # target geometry column
    geometry_dimension: int | None = None  # 2 polygons, 1 lines
    key: str | None = None  # the column that must be unique (file and table)

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


def _values(choice_class) -> tuple[str, ...]:
    return tuple(choice_class.values)


BUILDINGS = KindSpec(
    kind="buildings",
    table="registry_building",
    model="building",
    geometry="footprint",
    geometry_dimension=2,
    key="bin",
    columns=(
        Column("bin", "bin", "text", max_length=24),
        Column("road", "road_id", "text", max_length=30),
        Column("house_no", "house_number", "text", max_length=30, default=""),
        Column("floors", "floors", "int", minimum=1, maximum=200, default=1),
        Column(
            "structure",
            "structure_type",
            "choice",
            required=True,
            choices=_values(choices.StructureType),
        ),
        Column("use", "use", "choice", required=True, choices=_values(choices.BuildingUse)),
        Column("households", "households", "int", minimum=0, maximum=2**31 - 1, default=0),
        Column("population", "population", "int", minimum=0, maximum=2**31 - 1, default=0),
        Column("built_year", "construction_year", "int", minimum=1800, maximum=2100),
        Column("water_src", "water_source", "choice", choices=_values(choices.WaterSource)),
        Column(
            "sanitation",
            "sanitation_system",
            "choice",
            choices=_values(choices.SanitationSystem),
        ),
        Column("low_income", "low_income", "bool", default=False),
        Column(
            "status",
            "status",
            "choice",
            choices=_values(choices.BuildingStatus),
            default=choices.BuildingStatus.ACTIVE.value,
        ),
    ),
)

ROADS = KindSpec(
    kind="roads",
    table="registry_road",
    model="road",
    geometry="line",
    geometry_dimension=1,
    key="code",
    columns=(
        Column("code", "code", "text", required=True, max_length=30),
        Column("name_en", "name_en", "text", max_length=150, default=""),
        Column("name_bn", "name_bn", "text", max_length=150, default=""),
        Column("class", "road_class", "choice", required=True, choices=_values(choices.RoadClass)),
        Column("width_m", "width_m", "decimal", minimum=0, maximum=999),
    ),
)

WARDS = KindSpec(
    kind="wards",
    table="registry_ward",
    model="ward",
    geometry="boundary",
    geometry_dimension=2,
    key="number",
    columns=(
        Column("number", "number", "int", required=True, minimum=1, maximum=32767),
        Column("name_en", "name_en", "text", required=True, max_length=100),
        Column("name_bn", "name_bn", "text", required=True, max_length=100),
    ),
)

HOLDINGS = KindSpec(
    kind="holdings",
    table="registry_holding",
    model="holding",
    key="code",
    columns=(
        Column("code", "code", "text", required=True, max_length=60),
        Column(
            "type", "holding_type", "choice", required=True, choices=_values(choices.HoldingType)
        ),
        Column("annual_val", "annual_value", "decimal", minimum=0, maximum=10**12, default=0),
        Column("address", "address", "text", max_length=300, default=""),
        Column(
            "status",
            "status",
            "choice",
            choices=_values(choices.HoldingStatus),
            default=choices.HoldingStatus.ACTIVE.value,
        ),
        Column("bins", "buildings", "text"),  # BINs of linked buildings, comma separated
    ),
)

DRAINS = KindSpec(
    kind="drains",
    table="registry_drain",
    model="drain",
    geometry="line",
    geometry_dimension=1,
    key="code",
    columns=(
        Column("code", "code", "text", required=True, max_length=30),
        Column("kind", "kind", "choice", required=True, choices=_values(choices.DrainKind)),
        Column("road", "road_id", "text", max_length=30),  # the road it runs along
    ),
)

# A waterbody has no code of its own: every row is a new one.
WATERBODIES = KindSpec(
    kind="waterbodies",
    table="registry_waterbody",
    model="waterbody",
    geometry="area",
    geometry_dimension=2,
    columns=(
        Column("name_en", "name_en", "text", max_length=150, default=""),
        Column("name_bn", "name_bn", "text", max_length=150, default=""),
        Column("kind", "kind", "choice", required=True, choices=_values(choices.WaterbodyKind)),
    ),
)

KINDS: dict[str, KindSpec] = {
    spec.kind: spec for spec in (BUILDINGS, ROADS, WARDS, HOLDINGS, DRAINS, WATERBODIES)
}

# Who may import each kind (the role slugs of tenants.roles).
IMPORT_ROLES: dict[str, frozenset[str]] = {
    "buildings": frozenset({"gis_officer", "municipal_admin"}),
    "roads": frozenset({"gis_officer", "municipal_admin"}),
    "wards": frozenset({"gis_officer", "municipal_admin"}),
    "holdings": frozenset({"gis_officer", "municipal_admin", "revenue_chief"}),
    "drains": frozenset({"gis_officer", "municipal_admin"}),
    "waterbodies": frozenset({"gis_officer", "municipal_admin"}),
}
ANY_IMPORT_ROLE: tuple[str, ...] = tuple(sorted(set().union(*IMPORT_ROLES.values())))
