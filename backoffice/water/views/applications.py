"""New-connection applications: the list, intake at the office, one
application's page and its actions."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from backoffice.water import applications as workflow
from backoffice.water import selectors
from backoffice.water.forms import ApplicationForm, ConnectForm
from backoffice.water.models import ConnectionApplication
from backoffice.water.views import access
from backoffice.water.views.common import error_messages, form_errors, get_or_404


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


@access.readers_required
@require_GET
def application_detail(request, reference: str):
    app = get_or_404(
        ConnectionApplication.objects.select_related("holding", "category", "connection"),
        reference=reference,
    )
    can = access.abilities(request.user)
    return render(
        request,
        "water/application_detail.html",
        {
            "app": app,
            "actions": workflow.actions_for(app.state) if can["office"] else [],
            "connect_form": ConnectForm(initial={"connected_on": timezone.localdate()}),
            "can": can,
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
        elif action == "fee_paid":
            workflow.application_fee_paid(
                actor=request.user, application=app, receipt=post.get("receipt", "")[:40]
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
