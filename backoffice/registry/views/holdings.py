"""Holdings: list with search by code (Bangla digits) or owner's name,
detail with buildings, owners, history and merge/split events; create and
edit (revenue staff), owners added, merge and split (revenue chief)."""

import contextlib

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Prefetch
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from backoffice.registry import selectors, services
from backoffice.registry.codes import holding_code_normalise
from backoffice.registry.forms import (
    HoldingCreateForm,
    HoldingForm,
    HoldingMergeForm,
    HoldingOwnerAddForm,
    HoldingSearchForm,
    HoldingSplitNoteForm,
    form_errors_from,
    holding_split_formset,
)
from backoffice.registry.models import HoldingOwner, Owner
from backoffice.registry.privacy import can_see_owners
from backoffice.registry.views import access
from backoffice.registry.views.common import cursor, get_or_404
from backoffice.registry.views.history import HISTORY_LIMIT, HISTORY_PREVIEW, history_entries
from backoffice.registry.views.paging import keyset_page
from tenants.permissions import role_required

read_required = role_required(*access.READERS, module=access.MODULE)
edit_required = role_required(*access.HOLDING_EDITORS, module=access.MODULE)
restructure_required = role_required(*access.HOLDING_RESTRUCTURERS, module=access.MODULE)


def _holding(request, code):
    return get_or_404(selectors.holding_get, actor=request.user, code=code)


def _retired_refusal(request, holding):
    messages.error(
        request,
        _("Holding %(code)s is retired (merged or split) and cannot be changed.")
        % {"code": holding.code},
    )
    return redirect("registry:holding_detail", code=holding.code)


@read_required
@require_GET
def holding_list(request):
    wards = list(selectors.ward_list(actor=request.user))
    form = HoldingSearchForm(request.GET or None, wards=wards)
    query = form.query()
    if prefix := form.code_prefix():
        # A code (or its start) is found through the code's own index, in
        # milliseconds at Khulna's 156,052 holdings, not by also scanning names.
        query["q"] = ""
    holdings = selectors.holding_list(actor=request.user, **query)
    if prefix:
        holdings = holdings.filter(code__startswith=prefix)
    holdings = holdings.defer("ward__boundary")
    if can_see_owners(request.user):
        holdings = holdings.prefetch_related(
            Prefetch("owners", queryset=Owner.objects.only("id", "name_en", "name_bn"))
        )
    page = keyset_page(
        holdings,
        key="code",
        after=cursor(request.GET, "after"),
        before=cursor(request.GET, "before"),
    )
    return render(
        request,
        "registry/holding_list.html",
        {"form": form, "page": page, "can": access.abilities(request.user)},
    )


@read_required
@require_GET
def holding_detail(request, code):
    holding = _holding(request, code)
    links = list(
        HoldingOwner.objects.filter(holding=holding)
        .select_related("owner")
        .order_by("owner__name_en")
    )
    records = list(
        selectors.change_history(actor=request.user, instance=holding)[: HISTORY_PREVIEW + 1]
    )
    return render(
        request,
        "registry/holding_detail.html",
        {
            "holding": holding,
            "buildings": list(holding.buildings.select_related("ward").order_by("bin")),
            "owner_links": links,
            "events": list(selectors.holding_events(actor=request.user, code=holding.code)),
            "history": history_entries(records[:HISTORY_PREVIEW]),
            "history_more": len(records) > HISTORY_PREVIEW,
            "can": access.abilities(request.user),
        },
    )


@read_required
@require_GET
def holding_history(request, code):
    holding = _holding(request, code)
    records = selectors.change_history(actor=request.user, instance=holding)[:HISTORY_LIMIT]
    return render(
        request,
        "registry/history.html",
        {
            "title": _("History of holding %(code)s") % {"code": holding.code},
            "back": ("registry:holding_detail", holding.code),
            "history": history_entries(records),
            "events": list(selectors.holding_events(actor=request.user, code=holding.code)),
        },
    )


@edit_required
@require_http_methods(["GET", "POST"])
def holding_create(request):
    form = HoldingCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                owners = []
                if data["owner_name_en"]:
                    owners.append(
                        services.owner_create(
                            actor=request.user,
                            name_en=data["owner_name_en"],
                            name_bn=data["owner_name_bn"],
                            phone=data["owner_phone"],
                        )
                    )
                holding = services.holding_create(
                    actor=request.user,
                    code=data["code"],
                    holding_type=data["holding_type"],
                    annual_value=data["annual_value"],
                    address=data["address"],
                    buildings=data["buildings"],
                    owners=owners,
                )
        except ValidationError as exc:
            form_errors_from(form, exc, {"name_en": "owner_name_en", "phone": "owner_phone"})
        else:
            messages.success(request, _("Holding %(code)s added.") % {"code": holding.code})
            return redirect("registry:holding_detail", code=holding.code)
    return render(request, "registry/holding_form.html", {"form": form})


@edit_required
@require_http_methods(["GET", "POST"])
def holding_edit(request, code):
    holding = _holding(request, code)
    if holding.status != "active":
        return _retired_refusal(request, holding)
    form = HoldingForm(request.POST or None, holding=holding)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        changed = {
            name: data[name]
            for name in ("code", "holding_type", "annual_value", "address")
            if getattr(holding, name) != data[name]
        }
        new_bins = sorted(b.bin for b in data["buildings"])
        old_bins = sorted(holding.buildings.values_list("bin", flat=True))
        try:
            with transaction.atomic():
                if changed:
                    holding = services.holding_update(
                        actor=request.user, holding=holding, **changed
                    )
                if new_bins != old_bins:
                    services.holding_buildings_set(
                        actor=request.user, holding=holding, buildings=data["buildings"]
                    )
        except ValidationError as exc:
            form_errors_from(form, exc)
        else:
            if changed or new_bins != old_bins:
                messages.success(request, _("Holding %(code)s saved.") % {"code": holding.code})
            else:
                messages.info(request, _("Nothing was changed."))
            return redirect("registry:holding_detail", code=holding.code)
    return render(request, "registry/holding_form.html", {"form": form, "holding": holding})


@edit_required
@require_http_methods(["GET", "POST"])
def holding_owner_add(request, code):
    holding = _holding(request, code)
    if holding.status != "active":
        return _retired_refusal(request, holding)
    form = HoldingOwnerAddForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        share = data.pop("share_percent")
        try:
            with transaction.atomic():
                owner = services.owner_create(actor=request.user, **data)
                services.holding_owner_add(
                    actor=request.user, holding=holding, owner=owner, share_percent=share
                )
        except ValidationError as exc:
            form_errors_from(form, exc)
        else:
            messages.success(
                request,
                _("%(name)s added as an owner of holding %(code)s.")
                % {"name": owner.name_en, "code": holding.code},
            )
            return redirect("registry:holding_detail", code=holding.code)
    return render(request, "registry/owner_form.html", {"form": form, "holding": holding})


@restructure_required
@require_http_methods(["GET", "POST"])
def holding_merge(request):
    initial = {}
    if request.GET.get("code"):
        with contextlib.suppress(ValidationError):
            initial["codes"] = holding_code_normalise(request.GET["code"]) + "\n"
    form = HoldingMergeForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            result = services.holdings_merge(
                actor=request.user,
                codes=data["codes"],
                into_code=data["into_code"],
                holding_type=data["holding_type"] or None,
                note=data["note"],
            )
        except ValidationError as exc:
            form_errors_from(form, exc, {"code": "into_code"})
        else:
            messages.success(
                request,
                _("Holdings %(codes)s merged into %(code)s.")
                % {"codes": ", ".join(data["codes"]), "code": result.code},
            )
            return redirect("registry:holding_detail", code=result.code)
    return render(request, "registry/holding_merge.html", {"form": form})


def _parts_wanted(request) -> int:
    try:
        return int(request.GET.get("parts", 2))
    except ValueError:
        return 2


@restructure_required
@require_http_methods(["GET", "POST"])
def holding_split(request, code):
    holding = _holding(request, code)
    if holding.status != "active":
        return _retired_refusal(request, holding)
    formset_class = holding_split_formset(parts=_parts_wanted(request))
    formset = formset_class(request.POST or None, prefix="part")
    note_form = HoldingSplitNoteForm(request.POST or None)
    if request.method == "POST" and formset.is_valid() and note_form.is_valid():
        try:
            results = services.holding_split(
                actor=request.user,
                code=holding.code,
                parts=[form.part() for form in formset],
                note=note_form.cleaned_data["note"],
            )
        except ValidationError as exc:
            form_errors_from(note_form, exc)
        else:
            messages.success(
                request,
                _("Holding %(code)s split into %(codes)s.")
                % {"code": holding.code, "codes": ", ".join(r.code for r in results)},
            )
            return redirect("registry:holding_detail", code=holding.code)
    return render(
        request,
        "registry/holding_split.html",
        {
            "holding": holding,
            "formset": formset,
            "note_form": note_form,
            "buildings": list(holding.buildings.order_by("bin").values_list("bin", flat=True)),
            "more_parts": min(len(formset.forms) + 1, 10),
        },
    )
