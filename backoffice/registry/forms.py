"""Forms of the registry's staff pages.  They parse and check what staff
type (Bangla digits accepted everywhere a number or code is typed); the
views hand ``cleaned_data`` to :mod:`backoffice.registry.services`, which
validate again and write.

Model forms here are never bound to a database row: they borrow the model's
labels, choices and validators, while uniqueness is the services' job."""

import json
import re

from django import forms
from django.contrib.gis.gdal import GDALException
from django.contrib.gis.geos import GEOSException, GEOSGeometry
from django.core.exceptions import ValidationError
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from backoffice.registry import choices, services
from backoffice.registry.codes import BANGLA_DIGITS, holding_code_normalise, phone_normalise
from backoffice.registry.models import Building, Holding, Owner, Road
from backoffice.registry.selectors import BuildingFilters

YES_NO_ANY = (("", _("Any")), ("yes", _("Yes")), ("no", _("No")))
_LIST_SEPARATORS = re.compile(r"[\s,;]+")
_CODE_SEPARATORS = re.compile(r"[\s/._]+")
CODE_PREFIX_RE = re.compile(r"\d[\d-]*")


def ward_label(ward) -> str:
    name = ward.name_bn if get_language() == "bn" and ward.name_bn else ward.name_en
    return f"{ward.number:02d} {name}"


def _tri_state(value: str) -> bool | None:
    return {"yes": True, "no": False}.get(value)


def form_errors_from(form: forms.BaseForm, exc: ValidationError, field_map=None) -> None:
    """Show a service's ValidationError on the form, on the field it names
    when the form has that field, otherwise above the form."""
    field_map = field_map or {}
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            target = field_map.get(field, field)
            form.add_error(target if target in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


# --- Lists ----------------------------------------------------------------


class BuildingFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=60,
        help_text=_("BIN, house number or the start of a holding code."),
    )
    ward = forms.TypedChoiceField(label=_("Ward"), required=False, coerce=int, empty_value=None)
    use = forms.ChoiceField(
        label=_("Use"),
        required=False,
        choices=[("", _("Any")), *choices.BuildingUse.choices],
    )
    structure_type = forms.ChoiceField(
        label=_("Structure"),
        required=False,
        choices=[("", _("Any")), *choices.StructureType.choices],
    )
    has_holding = forms.ChoiceField(label=_("Has a holding"), required=False, choices=YES_NO_ANY)
    low_income = forms.ChoiceField(
        label=_("Low-income community"), required=False, choices=YES_NO_ANY
    )

    def __init__(self, *args, wards=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["ward"].choices = [("", _("All wards"))] + [
            (w.number, ward_label(w)) for w in wards
        ]

    def filters(self) -> BuildingFilters:
        """The valid part of the query; a bad value is ignored, not an error page."""
        data = {}
        if self.is_bound:
            self.is_valid()
            data = self.cleaned_data  # the fields that were valid
        return BuildingFilters(
            q=data.get("q") or "",
            ward=data.get("ward"),
            use=data.get("use") or "",
            structure_type=data.get("structure_type") or "",
            has_holding=_tri_state(data.get("has_holding") or ""),
            low_income=_tri_state(data.get("low_income") or ""),
        )


def holding_search_normalise(text: str) -> str:
    """A whole holding code in its stored form; otherwise the typed text
    with Bangla digits made Latin and code-like separators made dashes, so
    ``১২ ০০৩`` finds ``12-003-...``.  Names pass through unchanged."""
    text = (text or "").strip()
    if not text:
        return ""
    try:
        return holding_code_normalise(text)
    except ValidationError:
        pass
    latin = text.translate(BANGLA_DIGITS)
    if re.fullmatch(r"[\d\s\-/._]+", latin):
        return _CODE_SEPARATORS.sub("-", latin).strip("-")
    return text


class HoldingSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Holding code or owner's name"),
        required=False,
        max_length=100,
        help_text=_("Bangla or English digits, e.g. 01-001-0001-00."),
    )
    ward = forms.TypedChoiceField(label=_("Ward"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args, wards=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["ward"].choices = [("", _("All wards"))] + [
            (w.number, ward_label(w)) for w in wards
        ]

    def clean_q(self) -> str:
        return holding_search_normalise(self.cleaned_data.get("q", ""))

    def query(self) -> dict:
        data = {}
        if self.is_bound:
            self.is_valid()
            data = self.cleaned_data
        return {"q": data.get("q") or "", "ward": data.get("ward")}

    def code_prefix(self) -> str:
        """The search as the start of a holding code when it can be nothing
        else (digits and dashes): then names need not be searched at all."""
        q = self.query()["q"]
        return q if q and CODE_PREFIX_RE.fullmatch(q) else ""


# --- Buildings ------------------------------------------------------------


class FootprintField(forms.CharField):
    """A polygon as GeoJSON (what the map editor writes) or WKT, in lon/lat."""

    widget = forms.Textarea(attrs={"rows": 4, "spellcheck": "false", "class": "geometry"})
    default_error_messages = {
        "invalid": _("Draw the footprint on the map, or enter it as GeoJSON or WKT."),
        "lonlat": _(
            "The footprint must be in longitude and latitude (EPSG:4326); "
            "these coordinates look projected."
        ),
    }

    def to_python(self, value):
        text = super().to_python(value)
        if not text:
            return None
        try:
            if text.lstrip().startswith("{"):
                data = json.loads(text)
                if data.get("type") == "Feature":
                    text = json.dumps(data.get("geometry") or {})
            geometry = GEOSGeometry(text)
        except (GEOSException, GDALException, ValueError, TypeError, AttributeError) as exc:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from exc
        if geometry.srid in (None, 4326):
            geometry.srid = 4326
            x0, y0, x1, y1 = geometry.extent
            if min(x0, x1) < -180 or max(x0, x1) > 180 or min(y0, y1) < -90 or max(y0, y1) > 90:
                raise ValidationError(self.error_messages["lonlat"], code="lonlat")
        return services.footprint_clean(geometry)

    def validate(self, value):
        if value in self.empty_values and self.required:
            raise ValidationError(self.error_messages["required"], code="required")

    def run_validators(self, value):
        return  # CharField's length validators do not apply to a geometry

    def prepare_value(self, value):
        if isinstance(value, GEOSGeometry):
            return value.geojson
        return value


class BuildingForm(forms.ModelForm):
    footprint = FootprintField(
        label=_("Footprint"),
        error_messages={"required": _("Draw the building's footprint on the map.")},
    )
    road_code = forms.CharField(
        label=_("Road code"),
        required=False,
        max_length=30,
        help_text=_("Leave empty when the road is not in the register."),
    )

    class Meta:
        model = Building
        fields = [
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
        ]

    def __init__(self, *args, building: Building | None = None, **kwargs):
        if building is not None and "initial" not in kwargs:
            kwargs["initial"] = building_initial(building)
        super().__init__(*args, **kwargs)
        for name in ("floors", "households", "population", "construction_year"):
            self.fields[name].widget.attrs.update(inputmode="numeric")

    def clean_road_code(self):
        code = self.cleaned_data.get("road_code", "").strip()
        if not code:
            return None
        road = Road.objects.filter(code__iexact=code).first()
        if road is None:
            raise ValidationError(
                _("No road has the code “%(code)s”."), code="road", params={"code": code}
            )
        return road

    def validate_unique(self):
        return  # the services check keys

    def service_fields(self) -> dict:
        data = {name: self.cleaned_data[name] for name in self.Meta.fields}
        data["road"] = self.cleaned_data.get("road_code")
        return data


def building_initial(building: Building) -> dict:
    data = {name: getattr(building, name) for name in BuildingForm.Meta.fields}
    data["footprint"] = building.footprint.geojson
    data["road_code"] = building.road.code if building.road_id else ""
    return data


# --- Holdings and owners ----------------------------------------------------


class HoldingCodeField(forms.CharField):
    """A holding code as typed (Bangla digits, spaces, slashes); cleaned to
    the stored ``XX-XXX-XXXX-XX`` form, or an error naming the wrong part."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 30)
        kwargs.setdefault("help_text", _("XX-XXX-XXXX-XX: ward, zone, holding, extension."))
        super().__init__(**kwargs)
        self.widget.attrs.update(autocomplete="off", placeholder="01-001-0001-00")

    def to_python(self, value):
        text = super().to_python(value)
        return holding_code_normalise(text) if text else text


class BinListField(forms.CharField):
    """BINs separated by spaces, commas or new lines -> buildings (all must exist)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("help_text", _("BINs separated by spaces or commas."))
        super().__init__(**kwargs)

    def to_python(self, value):
        text = (super().to_python(value) or "").translate(BANGLA_DIGITS).upper()
        bins = list(dict.fromkeys(b for b in _LIST_SEPARATORS.split(text) if b))
        if not bins:
            return []
        found = {b.bin: b for b in Building.objects.filter(bin__in=bins)}
        missing = [b for b in bins if b not in found]
        if missing:
            raise ValidationError(
                _("No building has the BIN %(bins)s."),
                code="bin",
                params={"bins": ", ".join(missing)},
            )
        return [found[b] for b in bins]

    def prepare_value(self, value):
        if isinstance(value, list | tuple):
            return " ".join(getattr(b, "bin", str(b)) for b in value)
        return value


class HoldingForm(forms.ModelForm):
    code = HoldingCodeField(label=_("Holding code"))
    buildings = BinListField(label=_("Buildings"))

    class Meta:
        model = Holding
        fields = ["code", "holding_type", "annual_value", "address"]

    def __init__(self, *args, holding: Holding | None = None, **kwargs):
        if holding is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "code": holding.code,
                "holding_type": holding.holding_type,
                "annual_value": holding.annual_value,
                "address": holding.address,
                "buildings": " ".join(holding.buildings.values_list("bin", flat=True)),
            }
        super().__init__(*args, **kwargs)
        self.fields["annual_value"].widget.attrs.update(inputmode="decimal")

    def validate_unique(self):
        return


class HoldingCreateForm(HoldingForm):
    """A new holding, with its first owner when known."""

    owner_name_en = forms.CharField(
        label=_("Owner's name (English)"), required=False, max_length=150
    )
    owner_name_bn = forms.CharField(
        label=_("Owner's name (Bangla)"), required=False, max_length=150
    )
    owner_phone = forms.CharField(label=_("Owner's mobile number"), required=False, max_length=20)

    def clean_owner_phone(self):
        phone = self.cleaned_data.get("owner_phone", "").strip()
        return phone_normalise(phone) if phone else ""

    def clean(self):
        data = super().clean()
        if (data.get("owner_name_bn") or data.get("owner_phone")) and not data.get("owner_name_en"):
            self.add_error("owner_name_en", _("Enter the owner's name in English too."))
        return data


class OwnerForm(forms.ModelForm):
    class Meta:
        model = Owner
        fields = ["name_en", "name_bn", "gender", "nid", "phone", "address"]

    def __init__(self, *args, owner: Owner | None = None, **kwargs):
        if owner is not None and "initial" not in kwargs:
            kwargs["initial"] = {name: getattr(owner, name) for name in self.Meta.fields}
        super().__init__(*args, **kwargs)
        self.fields["phone"].widget.attrs.update(inputmode="tel")
        self.fields["nid"].widget.attrs.update(inputmode="numeric")

    def clean_phone(self):
        phone = (self.cleaned_data.get("phone") or "").strip()
        return phone_normalise(phone) if phone else ""

    def clean_nid(self):
        return (self.cleaned_data.get("nid") or "").strip().translate(BANGLA_DIGITS)

    def validate_unique(self):
        return


class HoldingOwnerAddForm(OwnerForm):
    share_percent = forms.DecimalField(
        label=_("Share (%)"), min_value=0, max_value=100, decimal_places=2, initial=100
    )


class HoldingMergeForm(forms.Form):
    codes = forms.CharField(
        label=_("Holdings to merge"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Two or more holding codes, one per line or separated by commas."),
    )
    into_code = HoldingCodeField(label=_("Code of the merged holding"))
    holding_type = forms.ChoiceField(
        label=_("Holding type"),
        required=False,
        choices=[("", _("As the first holding")), *choices.HoldingType.choices],
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=300)

    def clean_codes(self):
        raw = [c for c in re.split(r"[\n,;]+", self.cleaned_data.get("codes", "")) if c.strip()]
        codes, errors = [], []
        for text in raw:
            try:
                codes.append(holding_code_normalise(text))
            except ValidationError as exc:
                errors.extend(exc.messages)
        if errors:
            raise ValidationError(errors)
        codes = list(dict.fromkeys(codes))
        if len(codes) < 2:
            raise ValidationError(_("Enter two or more holding codes."), code="too_few")
        return codes


class HoldingSplitPartForm(forms.Form):
    code = HoldingCodeField(label=_("New holding code"))
    annual_value = forms.DecimalField(
        label=_("Annual value (BDT)"), min_value=0, max_digits=14, decimal_places=2, initial=0
    )
    buildings = BinListField(label=_("Buildings"))

    def part(self) -> dict:
        data = self.cleaned_data
        return {
            "code": data["code"],
            "annual_value": data["annual_value"],
            "buildings": data.get("buildings") or [],
        }


class HoldingSplitNoteForm(forms.Form):
    note = forms.CharField(label=_("Note"), required=False, max_length=300)


def holding_split_formset(*, parts: int = 2):
    parts = max(2, min(parts, 10))
    return forms.formset_factory(
        HoldingSplitPartForm,
        extra=parts - 2,
        min_num=2,
        validate_min=True,
        max_num=10,
        validate_max=True,
    )
