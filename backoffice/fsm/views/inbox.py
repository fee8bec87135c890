"""The FSM manager's inbox (tabs by state with SLA colours, overdue list,
search, keyset paging) and an application's page with its history and the
forms for each action the user's roles may take."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from backoffice.fsm import selectors, services, workflow
from backoffice.fsm.forms import InboxSearchForm, action_form, search_terms
from backoffice.fsm.models import EmptyingApplication
from backoffice.fsm.views import access
from backoffice.fsm.views.common import (
    application_history,
    get_or_404,
    refusal_message,
    sla_due,
    sla_rows,
)
from backoffice.registry.forms import form_errors_from
from backoffice.registry.views.common import cursor
from backoffice.registry.views.paging import keyset_page
from tenants.permissions import role_required

inbox_required = role_required(*access.INBOX_READERS, module=access.MODULE)

OPEN_STATES = tuple(s for s in workflow.STATES if s not in workflow.FINAL_STATES)
OPEN, OVERDUE = "open", "overdue"
PAGE_SIZE = 50


def _tabs(counts: dict, current: str) -> list[dict]:
    open_total = sum(counts[s]["total"] for s in OPEN_STATES)
    overdue_total = sum(r["overdue"] for r in counts.values())
    tabs = [
        {"key": OPEN, "label": _("All open"), "total": open_total},
        {"key": OVERDUE, "label": _("Overdue"), "total": overdue_total, "overdue": overdue_total},
    ]
    for state, label in workflow.STATES.items():
        row = counts.get(state, {})
        tabs.append(
            {
                "key": state,
                "label": label,
                "total": row.get("total", 0),
                "overdue": row.get("overdue", 0),
                "soon": row.get("due_soon", 0),
            }
        )
    for tab in tabs:
        tab["current"] = tab["key"] == current
    return tabs


def _search(queryset, text: str):
    terms = search_terms(text)
    if not terms:
        return queryset
    condition = Q(reference__startswith=terms["prefix"]) | Q(
        building__bin__startswith=terms["prefix"]
    )
    if "holding" in terms:
        condition |= Q(holding__code=terms["holding"])
    if "phone" in terms:
        condition |= Q(applicant_phone=terms["phone"])
    return queryset.filter(condition)


@inbox_required
@require_GET
def inbox(request):
    now = timezone.now()
    tab = request.GET.get("tab") or OPEN
    if tab not in (OPEN, OVERDUE, *workflow.STATES):
        raise Http404
    form = InboxSearchForm(request.GET or None)
    # The office sees every application; a revenue collector those awaiting the fee.
    visible = selectors.applications_for_user(request.user)
    if tab == OVERDUE:
        queryset = selectors.applications_overdue(now=now) & visible
    elif tab == OPEN:
        queryset = visible.filter(state__in=OPEN_STATES)
    else:
        queryset = visible.filter(state=tab)
    queryset = _search(queryset, form.query()).select_related("holding", "building", "provider")
    counts = selectors.inbox_counts(now=now, queryset=visible)
    page = keyset_page(
        queryset,
        key="reference",
        after=cursor(request.GET, "after"),
        before=cursor(request.GET, "before"),
        size=PAGE_SIZE,
    )
    rows = sla_rows(page.rows, now=now)
    return render(
        request,
        "fsm/inbox.html",
        {
            "form": form,
            "tabs": _tabs(counts, tab),
            # Loads emptied but not confirmed at a plant within their SLA.
            "not_at_plant": counts[workflow.EMPTIED]["overdue"],
            "tab": tab,
            "page": page,
            "rows": rows,
            "can": access.abilities(request.user),
        },
    )


def _application(request, reference: str) -> EmptyingApplication:
    return get_or_404(
        selectors.applications_for_user(request.user).select_related(
            "holding", "building", "containment", "containment__containment_type", "provider",
            "vehicle", "plant",
        ),
        reference=reference,
    )  # fmt: skip


def _detail(request, application, forms_by_action=None, status=200):
    actions = access.desk_actions(request.user, application.state)
    if application.feedback_at is not None:  # feedback is given once
        actions = [a for a in actions if a != workflow.FEEDBACK]
    forms_by_action = forms_by_action or {}
    action_forms = [
        {
            "action": action,
            "label": workflow.ACTIONS[action],
            "form": forms_by_action.get(action)
            or action_form(action=action, application=application),
        }
        for action in actions
    ]
    return render(
        request,
        "fsm/application_detail.html",
        {
            "app": application,
            "due": sla_due(application),
            "assignments": list(selectors.application_assignments(application)),
            "photos": list(application.photos.all()),
            "history": application_history(application),
            "action_forms": action_forms,
            "can": access.abilities(request.user),
        },
        status=status,
    )


@inbox_required
@require_GET
def application_detail(request, reference):
    return _detail(request, _application(request, reference))


@inbox_required
@require_POST
def application_act(request, reference, action):
    if action not in workflow.ACTIONS:
        raise Http404
    if not access.may_ever(request.user, action):
        raise PermissionDenied
    application = _application(request, reference)
    role = access.acting_role(request.user, application.state, action)
    if role is None:
        reason = (
            workflow.ROLE_REFUSED
            if (application.state, action) in workflow.TABLE
            else workflow.NOT_AVAILABLE
        )
        refusal_message(request, workflow.TransitionError(application.state, action, "", reason))
        return redirect("fsm:application_detail", reference=application.reference)
    form = action_form(request.POST, action=action, application=application)
    if form.is_valid():
        try:
            registration = getattr(form, "registration", lambda: None)()
            if registration is not None:
                services.application_assess(
                    actor=request.user,
                    role=role,
                    application=application,
                    register_containment=registration,
                    **form.service_data(),
                )
            else:
                services.application_transition(
                    actor=request.user,
                    role=role,
                    application=application,
                    action=action,
                    **form.service_data(),
                )
        except workflow.TransitionError as error:
            refusal_message(request, error)
            return redirect("fsm:application_detail", reference=application.reference)
        except ValidationError as exc:
            form_errors_from(form, exc)
        else:
            messages.success(
                request,
                _("%(reference)s: %(action)s done.")
                % {"reference": application.reference, "action": workflow.ACTIONS[action]},
            )
            return redirect("fsm:application_detail", reference=application.reference)
    return _detail(request, application, {action: form}, status=200)
