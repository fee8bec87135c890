"""New-connection applications: the list, intake at the office, one
application's page and its actions."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from backoffice.payments import receipts as payment_receipts
from backoffice.payments.documents import document_outstanding, document_paid, document_payments
from backoffice.payments.services import COUNTER_ROLES
from backoffice.payments.views.staff import VIEW_ROLES as PAYMENT_VIEW_ROLES
from backoffice.water import applications as workflow
from backoffice.water import selectors
from backoffice.water.forms import ApplicationForm, ConnectForm
from backoffice.water.models import ConnectionApplication
from backoffice.water.views import access
from backoffice.water.views.common import error_messages, form_errors, get_or_404
from tenants.permissions import role_required, user_has_role

# An application's page: the water readers, and revenue staff who take its
# fee at the counter (the page links there) and follow its receipts.
application_readers_required = role_required(
    *access.READERS, "revenue_collector", "revenue_chief", module=access.MODULE
)


@access.readers_required
@require_GET
def application_list(request):
    state = request.GET.get("state", "")
    if state not in ConnectionApplication.State.values:
        state = ""
    rows = list(selectors.application_list(state=state)[:200])
    return render(
        request,
        "water/application_list.html",
        {
            "applications": rows,
            "state": state,
            "states": ConnectionApplication.State.choices,
            "can": access.abilities(request.user),
        },
    )


@access.office_required
@require_http_methods(["GET", "POST"])
def application_new(request):
    form = ApplicationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            app = workflow.application_submit(actor=request.user, **data)
        except ValidationError as error:
            form_errors(form, error)
        else:
            messages.success(request, _("Application %(ref)s received.") % {"ref": app.reference})
            return redirect("water:application_detail", reference=app.reference)
    return render(
        request,
        "water/application_form.html",
        {"form": form, "can": access.abilities(request.user)},
    )


@application_readers_required
@require_GET
def application_detail(request, reference: str):
    app = get_or_404(
        ConnectionApplication.objects.select_related("holding", "category", "connection"),
        reference=reference,
    )
    can = access.abilities(request.user)
    payments_on = request.tenant.has_module("payments")
    return render(
        request,
        "water/application_detail.html",
        {
            "app": app,
            "actions": workflow.actions_for(app.state) if can["office"] else [],
            "connect_form": ConnectForm(initial={"connected_on": timezone.localdate()}),
            "can": can,
            "paid": document_paid(app),
            "outstanding": document_outstanding(app),
            "receipts": document_payments(app),
            "take_payment": payments_on and user_has_role(request.user, COUNTER_ROLES),
            "see_receipts": payments_on and user_has_role(request.user, PAYMENT_VIEW_ROLES),
            "pdf_available": payments_on and payment_receipts.receipt_pdf_available(),
        },
    )


@access.office_required
@require_POST
def application_act(request, reference: str, action: str):
    app = get_or_404(ConnectionApplication.objects.all(), reference=reference)
    post = request.POST
    try:
        if action == "approve":
            workflow.application_approve(actor=request.user, application=app)
        elif action == "reject":
            workflow.application_reject(
                actor=request.user, application=app, reason=post.get("reason", "")[:300]
            )
        elif action == "connect":
            form = ConnectForm(post)
            if not form.is_valid():
                for errors in form.errors.values():
                    for message in errors:
                        messages.error(request, message)
                return redirect("water:application_detail", reference=app.reference)
            workflow.application_connect(actor=request.user, application=app, **form.cleaned_data)
        else:
            messages.error(request, _("Unknown action."))
            return redirect("water:application_detail", reference=app.reference)
    except ValidationError as error:
        for message in error_messages(error):
            messages.error(request, message)
    else:
        messages.success(request, _("Application %(ref)s updated.") % {"ref": app.reference})
    return redirect("water:application_detail", reference=app.reference)
