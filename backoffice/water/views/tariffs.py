"""Tariff categories: slabs, minimum charge, meter rent, flat rate, the
ceiling that flags a month's use, and connection fees by pipe size."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from backoffice.water import services
from backoffice.water.forms import TariffCategoryForm
from backoffice.water.models import TariffCategory
from backoffice.water.views import access
from backoffice.water.views.common import form_errors, get_or_404


def _number(value) -> str:
    return format(value.normalize(), "f") if value is not None else ""


@access.readers_required
@require_GET
def tariff_list(request):
    categories = TariffCategory.objects.prefetch_related("slabs", "fees")
    return render(
        request,
        "water/tariff_list.html",
        {"categories": categories, "can": access.abilities(request.user)},
    )


@access.office_required
@require_http_methods(["GET", "POST"])
def tariff_edit(request, code: str | None = None):
    category = get_or_404(TariffCategory.objects.all(), code=code) if code else None
    initial = {}
    if category is not None:
        slabs = list(category.slabs.all())
        initial["slabs"] = "\n".join(
            f"{_number(s.upto_m3)} {_number(s.rate)}" if s.upto_m3 is not None else _number(s.rate)
            for s in slabs
        )
        initial["fees"] = "\n".join(f"{f.size_mm} {_number(f.amount)}" for f in category.fees.all())
    form = TariffCategoryForm(request.POST or None, instance=category, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        fields = {k: data[k] for k in TariffCategoryForm.Meta.fields}
        try:
            with transaction.atomic():
                # the form changed ``category`` in place: the service compares with the stored row
                stored = TariffCategory.objects.get(pk=category.pk) if category else None
                saved = services.tariff_category_save(actor=request.user, category=stored, **fields)
                if data["slabs"]:
                    services.tariff_slabs_set(
                        actor=request.user, category=saved, slabs=data["slabs"]
                    )
                for size, amount in data["fees"]:
                    services.connection_fee_set(
                        actor=request.user, category=saved, size_mm=size, amount=amount
                    )
        except ValidationError as error:
            form_errors(form, error)
        else:
            messages.success(request, _("Tariff %(name)s saved.") % {"name": saved.name_en})
            return redirect("water:tariff_list")
    return render(
        request,
        "water/tariff_form.html",
        {"form": form, "category": category, "can": access.abilities(request.user)},
    )
