"""The office's master data and settings: service providers (members, crew,
vehicles), treatment plants (effluent tests, standards), containments, the
SLA hours and the fee table.

Only the FSM manager and the municipal admin come here (the effluent
standards: the municipal admin); every write goes through a service in
``backoffice.fsm.master_data`` (validated and audited).  Nothing a job refers
to is deleted: its status is set to suspended or inactive instead."""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from backoffice.fsm import fees, master_data, services, workflow
from backoffice.fsm.forms_manage import (
    ContainmentForm,
    EffluentTestForm,
    EmployeeForm,
    FeePreviewForm,
    FeeSlabForm,
    MemberForm,
    PlantForm,
    ProviderForm,
    SlaForm,
    StandardsForm,
    VehicleForm,
)
from backoffice.fsm.models import (
    Containment,
    EffluentStandard,
    Employee,
    FeeSlab,
    ProviderMember,
    ServiceProvider,
    TreatmentPlant,
    Vehicle,
)
from backoffice.fsm.views import access
from backoffice.fsm.views.common import get_or_404
from backoffice.registry.forms import form_errors_from
from tenants.permissions import role_required, user_roles

MANAGERS: tuple[str, ...] = access.OFFICE
STANDARDS_EDITORS: tuple[str, ...] = (workflow.ADMIN,)
manage_required = role_required(*MANAGERS, module=access.MODULE)
standards_required = role_required(*STANDARDS_EDITORS, module=access.MODULE)
FORM = "fsm/manage/form.html"
GET_POST = require_http_methods(["GET", "POST"])


def _form_page(request, form, *, title, save, done, back, note="", button=None, extra=None):
    """Show ``form``; on a valid post call ``save(form)`` (a service) and go
    to the URL it returns, or show the service's errors on the form."""
    if request.method == "POST" and form.is_valid():
        try:
            target = save(form)
        except ValidationError as exc:
            form_errors_from(form, exc)
        else:
            messages.success(request, done)
            return redirect(target)
    context = {
        "form": form,
        "title": title,
        "note": note,
        "back": back,
        "button": button or _("Save"),
        **(extra or {}),
    }
    return render(request, FORM, context, status=200)


def _data(request):
    return request.POST if request.method == "POST" else None


NO_DELETE = gettext_lazy(
    "Records used by emptying jobs are never deleted: set the status to suspended or "
    "inactive to take them out of use."
)


@manage_required
@require_http_methods(["GET"])
def manage_index(request):
    return render(
        request,
        "fsm/manage/index.html",
        {
            "providers": ServiceProvider.objects.order_by("name")[:200],
            "plants": TreatmentPlant.objects.defer("location").order_by("name")[:200],
            "standards_editor": bool(set(STANDARDS_EDITORS) & user_roles(request.user)),
        },
    )


# --- service providers


@manage_required
@GET_POST
def provider_create(request):
    form = ProviderForm(_data(request))

    def save(form):
        provider = master_data.provider_save(
            actor=request.user, wards=form.cleaned_data["wards"], **form.model_data()
        )
        return reverse("fsm:manage_provider", args=[provider.pk])

    return _form_page(
        request,
        form,
        title=_("New service provider"),
        save=save,
        done=_("Service provider saved."),
        back=reverse("fsm:manage_index"),
    )


@manage_required
@GET_POST
def provider_edit(request, pk: int):
    provider = get_or_404(ServiceProvider.objects.all(), pk=pk)
    form = ProviderForm(_data(request), instance=provider)
    if request.method == "POST" and form.is_valid():
        try:
            master_data.provider_save(
                actor=request.user,
                provider=provider,
                wards=form.cleaned_data["wards"],
                **form.model_data(),
            )
        except ValidationError as exc:
            form_errors_from(form, exc)
        else:
            messages.success(request, _("Service provider saved."))
            return redirect("fsm:manage_provider", pk=provider.pk)
    return _provider_page(request, provider, form=form)


def _provider_page(request, provider, *, form=None, member_form=None, status=200):
    member_ids = list(provider.members.values_list("user_id", flat=True))
    members = get_user_model().objects.filter(pk__in=member_ids).order_by("username")
    return render(
        request,
        "fsm/manage/provider.html",
        {
            "provider": provider,
            "form": form or ProviderForm(instance=provider),
            "member_form": member_form or MemberForm(),
            "members": members,
            "employees": provider.employees.all(),
            "vehicles": provider.vehicles.all(),
            "note": NO_DELETE,
        },
        status=status,
    )


@manage_required
@require_POST
def provider_member_add(request, pk: int):
    provider = get_or_404(ServiceProvider.objects.all(), pk=pk)
    member_form = MemberForm(request.POST)
    if member_form.is_valid():
        user = member_form.cleaned_data["user"]
        try:
            services.provider_member_add(actor=request.user, provider=provider, user=user)
        except ValidationError as exc:
            form_errors_from(member_form, exc)
        else:
            messages.success(
                request,
                _("%(user)s now works for %(provider)s.")
                % {"user": user.username, "provider": provider.name},
            )
            return redirect("fsm:manage_provider", pk=provider.pk)
    return _provider_page(request, provider, member_form=member_form)


@manage_required
@require_POST
def provider_member_remove(request, pk: int, user_id: int):
    provider = get_or_404(ServiceProvider.objects.all(), pk=pk)
    get_or_404(ProviderMember.objects.all(), provider=provider, user_id=user_id)
    master_data.provider_member_remove(actor=request.user, provider=provider, user_id=user_id)
    messages.success(request, _("The user no longer works for this provider."))
    return redirect("fsm:manage_provider", pk=provider.pk)


def _provider_child(request, provider_pk, *, model, form_class, save_service, pk=None):
    provider = get_or_404(ServiceProvider.objects.all(), pk=provider_pk)
    instance = get_or_404(model.objects.all(), pk=pk, provider=provider) if pk else None
    form = form_class(_data(request), instance=instance)
    kind = model._meta.model_name

    def save(form):
        save_service(actor=request.user, provider=provider, **{kind: instance}, **form.model_data())
        return reverse("fsm:manage_provider", args=[provider.pk])

    titles = {
        ("employee", False): _("New employee of %(provider)s"),
        ("employee", True): _("Employee of %(provider)s"),
        ("vehicle", False): _("New vehicle of %(provider)s"),
        ("vehicle", True): _("Vehicle of %(provider)s"),
    }
    return _form_page(
        request,
        form,
        title=titles[(kind, instance is not None)] % {"provider": provider.name},
        save=save,
        done=_("Employee saved.") if kind == "employee" else _("Vehicle saved."),
        back=reverse("fsm:manage_provider", args=[provider.pk]),
        note=NO_DELETE,
    )


@manage_required
@GET_POST
def employee_edit(request, pk: int, employee_pk: int | None = None):
    return _provider_child(
        request,
        pk,
        model=Employee,
        form_class=EmployeeForm,
        save_service=master_data.employee_save,
        pk=employee_pk,
    )


@manage_required
@GET_POST
def vehicle_edit(request, pk: int, vehicle_pk: int | None = None):
    return _provider_child(
        request,
        pk,
        model=Vehicle,
        form_class=VehicleForm,
        save_service=master_data.vehicle_save,
        pk=vehicle_pk,
    )


# --- treatment plants


def _caretaker_for(plant):
    if plant is None or plant.caretaker_id is None:
        return None
    return get_user_model().objects.filter(pk=plant.caretaker_id).first()


@manage_required
@GET_POST
def plant_edit(request, pk: int | None = None):
    plant = get_or_404(TreatmentPlant.objects.all(), pk=pk) if pk else None
    form = PlantForm(_data(request), instance=plant)

    def save(form):
        saved = master_data.plant_save(
            actor=request.user,
            plant=plant,
            caretaker=form.cleaned_data["caretaker"],
            **form.model_data(),
        )
        return reverse("fsm:plant_detail", args=[saved.pk])

    return _form_page(
        request,
        form,
        title=_("Treatment plant %(name)s") % {"name": plant.name}
        if plant
        else _("New treatment plant"),
        save=save,
        done=_("Treatment plant saved."),
        back=reverse("fsm:plant_detail", args=[plant.pk]) if plant else reverse("fsm:plant_list"),
        note=NO_DELETE,
    )


@manage_required
@GET_POST
def effluent_test_add(request, pk: int):
    plant = get_or_404(TreatmentPlant.objects.all(), pk=pk)
    form = EffluentTestForm(_data(request))
    if request.method == "POST" and form.is_valid():
        try:
            _test, failures = master_data.effluent_test_record(
                actor=request.user, plant=plant, **form.model_data()
            )
        except ValidationError as exc:
            form_errors_from(form, exc)
        else:
            if failures:
                labels = dict(EffluentStandard.Parameter.choices)
                messages.warning(
                    request,
                    _("Test recorded. Outside the standards: %(parameters)s.")
                    % {"parameters": ", ".join(str(labels[p]) for p in failures)},
                )
            else:
                messages.success(request, _("Test recorded. It meets every standard."))
            return redirect("fsm:plant_detail", pk=plant.pk)
    return render(
        request,
        "fsm/manage/effluent_test.html",
        {
            "form": form,
            "plant": plant,
            "standards": EffluentStandard.objects.order_by("parameter"),
            "labels": dict(EffluentStandard.Parameter.choices),
        },
    )


@standards_required
@GET_POST
def standards_edit(request):
    form = StandardsForm(_data(request))
    if request.method == "POST" and form.is_valid():
        try:
            for parameter, (low, high) in form.limits().items():
                master_data.effluent_standard_set(
                    actor=request.user, parameter=parameter, minimum=low, maximum=high
                )
        except ValidationError as exc:
            form_errors_from(form, exc)
        else:
            messages.success(request, _("Effluent standards saved."))
            return redirect("fsm:manage_standards")
    return render(request, "fsm/manage/standards.html", {"form": form})


# --- containments


@manage_required
@GET_POST
def containment_edit(request, code: str | None = None):
    containment = (
        get_or_404(Containment.objects.select_related("containment_type"), code=code)
        if code
        else None
    )
    form = ContainmentForm(_data(request), instance=containment)

    def save(form):
        data = form.model_data()
        buildings = form.cleaned_data["building_list"]
        responsible = form.cleaned_data["responsible_building"]
        if containment is None:
            saved = services.containment_create(
                actor=request.user,
                buildings=buildings,
                responsible_building=responsible or (buildings[0] if buildings else None),
                **data,
            )
        else:
            saved = master_data.containment_update(
                actor=request.user,
                containment=containment,
                buildings=buildings,
                responsible_building=responsible,
                **data,
            )
        return reverse("fsm:containment_detail", args=[saved.code])

    return _form_page(
        request,
        form,
        title=_("Containment %(code)s") % {"code": containment.code}
        if containment
        else _("New containment"),
        save=save,
        done=_("Containment saved; the next emptying due date was recomputed."),
        back=reverse("fsm:containment_detail", args=[containment.code])
        if containment
        else reverse("fsm:containment_list"),
    )


# --- settings


@manage_required
@GET_POST
def sla_edit(request):
    config = services.fsm_config_get()
    form = SlaForm(_data(request), configured=config.sla_hours or {})

    def save(form):
        services.fsm_sla_hours_set(actor=request.user, hours=form.hours())
        return reverse("fsm:manage_sla")

    return _form_page(
        request,
        form,
        title=_("Service level hours per state"),
        save=save,
        done=_("Service levels saved."),
        back=reverse("fsm:manage_index"),
        note=_(
            "A job still in a state after these hours is overdue; the last quarter of the "
            "time is shown as due soon. Leave a state blank to use the default."
        ),
    )


@manage_required
@require_http_methods(["GET"])
def fee_list(request):
    slabs = list(FeeSlab.objects.all())
    preview = FeePreviewForm(request.GET if "volume_m3" in request.GET else None)
    estimate = None
    if preview.is_bound and preview.is_valid():
        data = preview.cleaned_data
        estimate = fees.fee_estimate(
            building=_PreviewProperty(data["property_type"]),
            volume_m3=data["volume_m3"],
            trips=data["trips"],
            low_income=data["low_income"],
            slabs=[s for s in slabs if s.active],
        )
    return render(
        request,
        "fsm/manage/fees.html",
        {"slabs": slabs, "preview": preview, "estimate": estimate},
    )


class _PreviewProperty:
    """Stands for a building of the chosen use in the fee preview."""

    def __init__(self, use: str):
        self.use = use
        self.low_income = False


@manage_required
@GET_POST
def fee_slab_edit(request, pk: int | None = None):
    slab = get_or_404(FeeSlab.objects.all(), pk=pk) if pk else None
    form = FeeSlabForm(_data(request), instance=slab)

    def save(form):
        services.fee_slab_save(actor=request.user, slab=slab, **form.model_data())
        return reverse("fsm:manage_fees")

    return _form_page(
        request,
        form,
        title=_("Fee slab") if slab else _("New fee slab"),
        save=save,
        done=_("Fee slab saved."),
        back=reverse("fsm:manage_fees"),
        note=_(
            "A slab applies to a property type (blank: any) and a volume band from its start "
            "up to, not including, its end. The most specific active slab wins."
        ),
    )


@manage_required
@require_POST
def fee_slab_delete(request, pk: int):
    slab = get_or_404(FeeSlab.objects.all(), pk=pk)
    master_data.fee_slab_delete(actor=request.user, slab=slab)
    messages.success(request, _("Fee slab deleted. Jobs keep the fee they were given."))
    return redirect("fsm:manage_fees")
