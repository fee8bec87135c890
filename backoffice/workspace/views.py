from django.contrib.auth import views as auth_views
from django.http import Http404
from django.shortcuts import render

from backoffice.billing.views.access import READERS as BILLING_READERS
from backoffice.fsm.views.index import ANY_FSM_ROLE
from backoffice.payments.views.staff import VIEW_ROLES as PAYMENT_VIEWERS
from backoffice.registry.views.access import READERS as REGISTRY_READERS
from backoffice.water.views.access import ANY_WATER_ROLE
from maps.registry import layers_for_user
from tenants.auth_forms import ThrottledAuthenticationForm
from tenants.modules import MODULES
from tenants.permissions import role_required, user_has_role, user_roles
from tenants.roles import role_label


class StaffLoginView(auth_views.LoginView):
    """Standard Django login, against this municipality's own users only."""

    template_name = "workspace/login.html"
    authentication_form = ThrottledAuthenticationForm
    redirect_authenticated_user = True

    def dispatch(self, request, *args, **kwargs):
        if getattr(request.tenant, "kind", "platform") == "platform":
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get_default_redirect_url(self):
        return "/staff/"


@role_required()
def home(request):
    roles = sorted(user_roles(request.user))
    municipality = request.tenant
    return render(
        request,
        "workspace/home.html",
        {
            "roles": [role_label(slug) for slug in roles],
            "modules": [MODULES[m] for m in municipality.modules if m in MODULES],
            "cms": "communications_officer" in roles or "municipal_admin" in roles,
            "registry": municipality.has_module("buildings")
            and user_has_role(request.user, REGISTRY_READERS),
            "fsm": municipality.has_module("fsm") and user_has_role(request.user, ANY_FSM_ROLE),
            "billing": municipality.has_module("holdings")
            and user_has_role(request.user, BILLING_READERS),
            "water": municipality.has_module("water")
            and user_has_role(request.user, ANY_WATER_ROLE),
            "payments": municipality.has_module("payments")
            and user_has_role(request.user, PAYMENT_VIEWERS),
            "map": municipality.has_module("viewmap")
            and bool(layers_for_user(request.user, municipality)),
        },
    )
