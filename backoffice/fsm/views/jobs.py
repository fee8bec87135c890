"""The service provider's side: its own jobs only, each with what the visit
needs (address, ward, containment, the applicant's phone), the phone-sized
emptying form with photos from the camera, and declining with a reason.

Another provider's job answers 404, as if it did not exist; owners' names,
phones and national IDs are never shown here."""

import datetime

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from backoffice.fsm import services, workflow
from backoffice.fsm.forms import ActionForm, EmptyingForm
from backoffice.fsm.models import EmptyingApplication
from backoffice.fsm.views import access
from backoffice.fsm.views.common import get_or_404, refusal_message, sla_rows
from backoffice.registry.forms import form_errors_from
from tenants.permissions import role_required

provider_required = role_required(*access.PROVIDERS, module=access.MODULE)
RECENT_DAYS = 30
LIST_LIMIT = 100


def provider_of(user):
    """The service provider this staff user works for (None: none yet)."""
    return services.provider_for_user(user)


def provider_jobs(provider):
    """Jobs of ``provider``: the ones to do, and those done in the last month."""
    if provider is None:
        return EmptyingApplication.objects.none()
    since = timezone.now() - datetime.timedelta(days=RECENT_DAYS)
    return EmptyingApplication.objects.filter(provider=provider).filter(
        Q(state=workflow.SCHEDULED)
        | Q(state__in=(workflow.EMPTIED, workflow.CLOSED), emptied_at__gte=since)
    )


def _job(request, reference):
    provider = provider_of(request.user)
    return get_or_404(
        provider_jobs(provider).select_related(
            "building", "building__ward", "holding", "containment",
            "containment__containment_type", "vehicle", "plant",
        ),
        reference=reference,
    )  # fmt: skip


@provider_required
@require_GET
def job_list(request):
    provider = provider_of(request.user)
    jobs = list(
        provider_jobs(provider)
        .select_related("building", "building__ward", "containment__containment_type")
        .defer("building__footprint", "building__ward__boundary")
        .order_by("scheduled_for", "reference")[:LIST_LIMIT]
    )
    now = timezone.now()
    todo = sla_rows([a for a in jobs if a.state == workflow.SCHEDULED], now=now)
    done = [a for a in jobs if a.state != workflow.SCHEDULED]
    return render(
        request,
        "fsm/job_list.html",
        {"provider": provider, "todo": todo, "done": done, "can": access.abilities(request.user)},
    )


def _job_page(request, app, form=None, decline=None, status=200):
    open_job = app.state == workflow.SCHEDULED
    return render(
        request,
        "fsm/job_detail.html",
        {
            "app": app,
            "open": open_job,
            "form": form or (EmptyingForm(application=app) if open_job else None),
            "decline": decline
            or (ActionForm(action=workflow.DECLINE, application=app) if open_job else None),
            "photos": list(app.photos.all()) if hasattr(app, "photos") else [],
        },
        status=status,
    )


@provider_required
@require_http_methods(["GET", "POST"])
def job_detail(request, reference):
    app = _job(request, reference)
    if request.method == "GET":
        return _job_page(request, app)
    form = EmptyingForm(request.POST, request.FILES, application=app)
    if form.is_valid():
        try:
            services.application_transition(
                actor=request.user,
                role=workflow.PROVIDER,
                application=app,
                action=workflow.EMPTY,
                **form.service_data(),
            )
        except workflow.TransitionError as error:
            refusal_message(request, error)
            return redirect("fsm:job_detail", reference=app.reference)
        except ValidationError as exc:
            form_errors_from(form, exc)
        else:
            messages.success(
                request,
                _("%(reference)s recorded as emptied. Take the load to the plant.")
                % {"reference": app.reference},
            )
            return redirect("fsm:job_list")
    return _job_page(request, app, form=form)


@provider_required
@require_POST
def job_decline(request, reference):
    app = _job(request, reference)
    form = ActionForm(request.POST, action=workflow.DECLINE, application=app)
    if form.is_valid():
        try:
            services.application_transition(
                actor=request.user,
                role=workflow.PROVIDER,
                application=app,
                action=workflow.DECLINE,
                **form.service_data(),
            )
        except workflow.TransitionError as error:
            refusal_message(request, error)
            return redirect("fsm:job_detail", reference=app.reference)
        except ValidationError as exc:
            form_errors_from(form, exc)
        else:
            messages.success(request, _("%(reference)s declined.") % {"reference": app.reference})
            return redirect("fsm:job_list")
    return _job_page(request, app, decline=form)
