"""Staff FSM forms: the inbox search, the help desk intake and one form per
workflow action.  Action forms are built from the model's own fields (those
``services.ACTION_FIELDS`` lets the action set), so labels, limits and
validators stay the model's; views pass ``cleaned_data`` to the service."""

import contextlib
import re

from django import forms
from django.core.exceptions import ValidationError
from django.forms.models import fields_for_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from backoffice.fsm import services, workflow
from backoffice.fsm.models import (
    Channel,
    ContainmentType,
    Employee,
    EmptyingApplication,
    EmptyingPhoto,
    ServiceProvider,
    TreatmentPlant,
    Vehicle,
)
from backoffice.registry.codes import BANGLA_DIGITS, holding_code_normalise, phone_normalise

# --- Lists ----------------------------------------------------------------


class InboxSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=60,
        help_text=_("Reference, holding code, BIN or the applicant's phone."),
    )

    def query(self) -> str:
        if not self.is_bound or not self.is_valid():
            return ""
        return self.cleaned_data["q"].strip()


def search_terms(text: str) -> dict[str, str]:
    """What a typed search can be: a holding code, a phone, or the start of a
    reference or BIN (Bangla digits read as Latin)."""
    text = (text or "").strip()
    if not text:
        return {}
    terms = {"prefix": text.translate(BANGLA_DIGITS).upper()}
    with contextlib.suppress(ValidationError):
        terms["holding"] = holding_code_normalise(text)
    with contextlib.suppress(ValidationError):
        terms["phone"] = phone_normalise(text)
    return terms


class DueFilterForm(forms.Form):
    days = forms.TypedChoiceField(
        label=_("Due within"),
        required=False,
        coerce=int,
        empty_value=30,
        choices=[
            (7, _("7 days")),
            (30, _("30 days")),
            (90, _("90 days")),
            (180, _("180 days")),
            (365, _("a year")),
        ],
    )
    ward = forms.TypedChoiceField(label=_("Ward"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args, wards=(), **kwargs):
        super().__init__(*args, **kwargs)
        from backoffice.registry.forms import ward_label

        self.fields["ward"].choices = [("", _("All wards"))] + [
            (w.number, ward_label(w)) for w in wards
        ]

    def values(self) -> tuple[int, int | None]:
        if self.is_bound and self.is_valid():
            return self.cleaned_data["days"] or 30, self.cleaned_data["ward"]
        return 30, None


# --- Help desk ------------------------------------------------------------


class IntakeForm(forms.Form):
    CHANNELS = [(Channel.PHONE, Channel.PHONE.label), (Channel.WALK_IN, Channel.WALK_IN.label)]

    holding_code = forms.CharField(
        label=_("Holding code"),
        required=False,
        max_length=30,
        help_text=_("Bangla or English digits, e.g. 01-001-0001-00."),
    )
    bin = forms.CharField(label=_("BIN"), required=False, max_length=24)
    applicant_name = forms.CharField(label=_("Applicant's name"), max_length=120)
    applicant_phone = forms.CharField(
        label=_("Applicant's phone"), max_length=20, help_text=_("e.g. 01712345678")
    )
    channel = forms.ChoiceField(label=_("Channel"), choices=CHANNELS, widget=forms.RadioSelect)

    def clean_holding_code(self) -> str:
        raw = self.cleaned_data.get("holding_code", "").strip()
        return holding_code_normalise(raw) if raw else ""

    def clean_bin(self) -> str:
        return self.cleaned_data.get("bin", "").strip().translate(BANGLA_DIGITS).upper()

    def clean_applicant_phone(self) -> str:
        return phone_normalise(self.cleaned_data.get("applicant_phone", ""))

    def clean(self):
        data = super().clean()
        if not self.errors and not data.get("holding_code") and not data.get("bin"):
            raise ValidationError(_("Give the holding code or the BIN."))
        return data


# --- Workflow actions -----------------------------------------------------

# Fields each action must have (beyond what the model itself requires).
REQUIRED: dict[str, frozenset[str]] = {
    workflow.ASSESS: frozenset({"estimated_volume_m3"}),
    workflow.SCHEDULE: frozenset({"provider", "scheduled_for"}),
    workflow.REASSIGN: frozenset({"provider", "scheduled_for"}),
    workflow.EMPTY: frozenset({"emptied_volume_m3"}),
    workflow.DISPOSE: frozenset({"disposed_volume_m3"}),
    workflow.SEND_BACK: frozenset({"reason"}),
    workflow.REJECT: frozenset({"reason"}),
    workflow.DECLINE: frozenset({"reason"}),
    workflow.FEEDBACK: frozenset({"satisfaction"}),
}
# Fields a form never shows: the view sets them (the caretaker's plant) or
# another form does (the applicant's details come from the intake).
HIDDEN: dict[str, frozenset[str]] = {
    workflow.DISPOSE: frozenset({"plant"}),
    workflow.ASSESS: frozenset({"containment_registered"}),  # set by registering one
}
DATE_FIELDS = frozenset({"scheduled_for"})
DECIMAL_INPUT = {"inputmode": "decimal"}


class ActionForm(forms.Form):
    """One workflow action's fields, from the model; ``action`` picks them.

    ``expected_state`` carries the state the page showed, so a step taken on
    a page that someone else's change has made stale is refused."""

    expected_state = forms.CharField(widget=forms.HiddenInput, required=False, max_length=20)

    def __init__(self, *args, action: str, application: EmptyingApplication, **kwargs):
        self.action = action
        self.application = application
        kwargs.setdefault("prefix", action)
        super().__init__(*args, **kwargs)
        self.fields["expected_state"].initial = application.state
        names = [
            name
            for name in services.ACTION_FIELDS.get(action, ())
            if name not in HIDDEN.get(action, ())
            and name not in {"holding", "building", "applicant_name", "applicant_phone"}
        ]
        model_fields = fields_for_model(EmptyingApplication, fields=names)
        for name in names:
            field = model_fields.get(name)
            if field is None:
                continue
            field.required = name in REQUIRED.get(action, frozenset()) or field.required
            self.fields[name] = field
            self._widget_for(name, field)
        self._querysets()

    def _widget_for(self, name: str, field) -> None:
        if name in DATE_FIELDS or isinstance(field, forms.DateField):
            field.widget = forms.DateInput(attrs={"type": "date"})
        elif isinstance(field, forms.DateTimeField):
            field.widget = forms.DateTimeInput(attrs={"type": "datetime-local"})
            field.input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]
        elif isinstance(field, forms.DecimalField):
            field.widget.attrs.update(DECIMAL_INPUT)
        elif isinstance(field, forms.IntegerField):
            field.widget.attrs.update({"inputmode": "numeric"})
        elif isinstance(field.widget, forms.Textarea):
            field.widget.attrs.update({"rows": 3})

    def _querysets(self) -> None:
        if "provider" in self.fields:
            self.fields["provider"].queryset = ServiceProvider.objects.filter(status="active")
        if "vehicle" in self.fields:
            self.fields["vehicle"].queryset = Vehicle.objects.filter(
                status=Vehicle.Condition.IN_SERVICE
            ).select_related("provider")
            self.fields["vehicle"].label_from_instance = lambda v: f"{v.plate} ({v.provider})"
        if "vehicle_needed" in self.fields:
            self.fields["vehicle_needed"].queryset = Vehicle.objects.filter(
                status=Vehicle.Condition.IN_SERVICE
            ).select_related("provider")
        if "disposal_vehicle" in self.fields:
            self.fields["disposal_vehicle"].queryset = Vehicle.objects.select_related("provider")
        if "crew" in self.fields:
            self.fields["crew"].queryset = Employee.objects.filter(status="active").select_related(
                "provider"
            )
            self.fields["crew"].label_from_instance = lambda e: (
                f"{e.name} · {e.get_role_display()} ({e.provider})"
            )
            self.fields["crew"].widget = forms.CheckboxSelectMultiple(
                choices=self.fields["crew"].choices
            )
        if "plant" in self.fields:
            self.fields["plant"].queryset = TreatmentPlant.objects.filter(status="active")
        if "containment" in self.fields:
            field = self.fields["containment"]
            building = self.application.building_id
            queryset = field.queryset.select_related("containment_type")
            queryset = queryset.filter(buildings=building) if building else queryset.none()
            field.queryset = queryset
            field.help_text = _("The containments recorded for this building.")

    def clean(self):
        data = super().clean()
        provider, vehicle = data.get("provider"), data.get("vehicle")
        if provider and vehicle and vehicle.provider_id != provider.pk:
            self.add_error("vehicle", _("This vehicle belongs to another service provider."))
        crew = data.get("crew")
        if provider and crew and any(e.provider_id != provider.pk for e in crew):
            self.add_error("crew", _("Choose the crew among this provider's employees."))
        started, ended = data.get("emptying_started_at"), data.get("emptying_ended_at")
        if started and ended and ended < started:
            self.add_error("emptying_ended_at", _("The end is before the start."))
        return data

    def service_data(self) -> dict:
        data = {k: v for k, v in self.cleaned_data.items() if k in self.fields}
        data["expected_state"] = data.pop("expected_state", "") or None
        return data


def phone_display(value: str) -> str:
    """+8801712345678 -> 01712345678, as people dial it."""
    return re.sub(r"^\+880", "0", value or "")


class AssessForm(ActionForm):
    """The site visit; a containment found on site can be registered here."""

    register_type = forms.ModelChoiceField(
        label=_("Register a containment found on site: type"),
        queryset=ContainmentType.objects.all(),
        required=False,
        help_text=_("Only when the building has no containment recorded yet."),
    )
    register_volume_m3 = forms.DecimalField(
        label=_("Volume of that containment (m³)"),
        required=False,
        min_value=0,
        max_digits=8,
        decimal_places=2,
        widget=forms.NumberInput(attrs=DECIMAL_INPUT),
    )

    def __init__(self, *args, **kwargs):
        kwargs["action"] = workflow.ASSESS
        super().__init__(*args, **kwargs)

    def clean(self):
        data = super().clean()
        if data.get("register_type") and data.get("containment"):
            self.add_error(
                "register_type", _("Either choose the containment or register a new one.")
            )
        return data

    def registration(self) -> dict | None:
        kind = self.cleaned_data.get("register_type")
        if kind is None:
            return None
        return {"containment_type": kind, "volume_m3": self.cleaned_data.get("register_volume_m3")}

    def service_data(self) -> dict:
        data = super().service_data()
        data.pop("register_type", None)
        data.pop("register_volume_m3", None)
        return data


def action_form(*args, action: str, application, **kwargs) -> ActionForm:
    """The form for ``action`` on the application's page."""
    if action == workflow.ASSESS:
        return AssessForm(*args, application=application, **kwargs)
    return ActionForm(*args, action=action, application=application, **kwargs)


# --- Photos from the provider's phone ---------------------------------------

PHOTO_MAX_BYTES = 8 * 1024 * 1024
PHOTO_FORMATS = frozenset({"JPEG", "PNG", "WEBP"})
MAX_SITE_PHOTOS = 4


class CameraInput(forms.ClearableFileInput):
    """Opens the back camera on a phone; still lets a desktop pick a file."""

    allow_multiple_selected = True

    def __init__(self, attrs=None, multiple=False):
        attrs = {"accept": "image/*", "capture": "environment", **(attrs or {})}
        if multiple:
            attrs["multiple"] = True
        self.allow_multiple_selected = multiple
        super().__init__(attrs)


class PhotoField(forms.ImageField):
    """An image Pillow can open, JPEG/PNG/WebP, at most ``PHOTO_MAX_BYTES``."""

    def to_python(self, data):
        if data in self.empty_values:
            return None
        if data.size > PHOTO_MAX_BYTES:
            raise ValidationError(
                _("A photo may be at most %(mb)s MB."), params={"mb": PHOTO_MAX_BYTES // 2**20}
            )
        image = super().to_python(data)
        kind = getattr(getattr(image, "image", None), "format", None)
        if kind not in PHOTO_FORMATS:
            raise ValidationError(_("Send a JPEG, PNG or WebP photo."))
        return image


class MultiplePhotoField(PhotoField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", CameraInput(multiple=True))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else [data] if data else []
        if self.required and not files:
            raise ValidationError(self.error_messages["required"], code="required")
        if len(files) > MAX_SITE_PHOTOS:
            raise ValidationError(
                _("At most %(count)s site photos."), params={"count": MAX_SITE_PHOTOS}
            )
        return [PhotoField.clean(self, f, initial) for f in files]


class EmptyingForm(ActionForm):
    """The provider's emptying form: the action's fields and the photos."""

    site_photos = MultiplePhotoField(
        label=_("Photos of the site"),
        help_text=_("Take them with the phone's camera (up to 4)."),
    )
    receipt_photo = PhotoField(
        label=_("Photo of the receipt"), required=False, widget=CameraInput()
    )

    def __init__(self, *args, **kwargs):
        kwargs["action"] = workflow.EMPTY
        super().__init__(*args, **kwargs)
        order = [n for n in self.fields if n not in ("site_photos", "receipt_photo")]
        self.order_fields([*order, "site_photos", "receipt_photo"])
        if "plant" in self.fields:
            self.fields["plant"].required = True
            self.fields["plant"].help_text = _("Where the load goes now.")
            if self.application.plant_id and not self.is_bound:
                self.initial["plant"] = self.application.plant_id
        if "trips" in self.fields and not self.is_bound:
            self.initial.setdefault("trips", self.application.trips_estimated or 1)

    def service_data(self) -> dict:
        data = super().service_data()
        for name in ("site_photos", "receipt_photo"):
            data.pop(name, None)
        photos = [(EmptyingPhoto.Kind.SITE, f) for f in self.cleaned_data.get("site_photos") or []]
        if self.cleaned_data.get("receipt_photo"):
            photos.append((EmptyingPhoto.Kind.RECEIPT, self.cleaned_data["receipt_photo"]))
        if "photos" in services.ACTION_FIELDS[workflow.EMPTY]:
            data["photos"] = photos
        return data


class DisposalForm(ActionForm):
    """The caretaker confirms volume, vehicle and arrival time; a load that
    names no plant is received at one of the caretaker's own."""

    def __init__(self, *args, plants=(), **kwargs):
        kwargs["action"] = workflow.DISPOSE
        super().__init__(*args, **kwargs)
        app = self.application
        if app.plant_id is None:
            self.fields["plant"] = forms.ModelChoiceField(
                label=_("Treatment plant"),
                queryset=TreatmentPlant.objects.filter(pk__in=[p.pk for p in plants]),
                initial=plants[0].pk if len(plants) == 1 else None,
            )
        if not self.is_bound:
            self.initial.setdefault("disposed_volume_m3", app.emptied_volume_m3)
            if "disposal_vehicle" in self.fields:
                self.initial.setdefault("disposal_vehicle", app.vehicle_id)
            if "arrived_at" in self.fields:
                self.initial.setdefault(
                    "arrived_at", timezone.localtime().strftime("%Y-%m-%dT%H:%M")
                )
        for name in ("disposal_vehicle", "arrived_at"):
            if name in self.fields:
                self.fields[name].required = True
