"""Owners: detail (their holdings and history) and edit (revenue staff)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from backoffice.registry import selectors, services
from backoffice.registry.forms import OwnerForm, form_errors_from
from backoffice.registry.models import Owner
from backoffice.registry.privacy import OWNER_READERS
from backoffice.registry.views import access
from backoffice.registry.views.history import HISTORY_LIMIT, history_entries
from tenants.permissions import role_required

# Owners are personal data: only the roles that bill them (privacy.py).
read_required = role_required(*OWNER_READERS, module=access.MODULE)
edit_required = role_required(*access.HOLDING_EDITORS, module=access.MODULE)


@read_required
@require_GET
def owner_detail(request, pk):
    owner = get_object_or_404(Owner, pk=pk)
    records = selectors.change_history(actor=request.user, instance=owner)[:HISTORY_LIMIT]
    return render(
        request,
        "registry/owner_detail.html",
        {
            "owner": owner,
            "holdings": list(owner.holdings.select_related("ward").order_by("code")),
            "history": history_entries(records),
            "can": access.abilities(request.user),
        },
    )


@edit_required
@require_http_methods(["GET", "POST"])
def owner_edit(request, pk):
    owner = get_object_or_404(Owner, pk=pk)
    form = OwnerForm(request.POST or None, owner=owner)
    if request.method == "POST" and form.is_valid():
        changed = {k: v for k, v in form.cleaned_data.items() if getattr(owner, k) != v}
        try:
            if changed:
                services.owner_update(actor=request.user, owner=owner, **changed)
        except ValidationError as exc:
            form_errors_from(form, exc)
        else:
            if changed:
                messages.success(request, _("Owner %(name)s saved.") % {"name": owner.name_en})
            else:
                messages.info(request, _("Nothing was changed."))
            return redirect("registry:owner_detail", pk=owner.pk)
    return render(request, "registry/owner_form.html", {"form": form, "owner": owner})
