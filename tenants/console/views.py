"""The ICT Division operators' console (public schema only) and health."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.hashers import make_password
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from tenants import selectors, services
from tenants.auth_forms import ThrottledAuthenticationForm
from tenants.console.forms import ModulesForm, MunicipalityCreateForm
from tenants.models import Municipality
from tenants.modules import MODULES
from tenants.permissions import operator_required
from tenants.tasks import municipality_provision_task


class OperatorLoginView(auth_views.LoginView):
    template_name = "tenants/console/login.html"
    authentication_form = ThrottledAuthenticationForm
    redirect_authenticated_user = True

    def dispatch(self, request, *args, **kwargs):
        if connection.schema_name != "public":
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get_default_redirect_url(self):
        return "/"


@operator_required
def dashboard(request):
    municipalities = list(selectors.municipality_list())
    latest = selectors.job_run_latest_by_schema([m.schema_name for m in municipalities])
    rows = [{"m": m, "last_job": latest.get(m.schema_name)} for m in municipalities]
    return render(
        request,
        "tenants/console/dashboard.html",
        {"rows": rows, "modules": MODULES, "jobs": selectors.job_run_list(limit=20)},
    )


@operator_required
@require_http_methods(["GET", "POST"])
def municipality_create(request):
    form = MunicipalityCreateForm(request.POST or None, base_domain=settings.IMIS_BASE_DOMAIN)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                municipality = services.municipality_register(
                    actor=request.user,
                    code=data["code"],
                    name_en=data["name_en"],
                    name_bn=data["name_bn"],
                    kind=data["kind"],
                    domains=[data["domain"]],
                    modules=data["modules"],
                )
                # The schema is made by a worker, never inside this request.
                password_hash = make_password(data["admin_password"])
                transaction.on_commit(
                    lambda: municipality_provision_task.delay(
                        municipality.pk,
                        data["admin_username"],
                        data["admin_email"],
                        password_hash,
                    )
                )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                target = field if field in form.fields else None
                if field == "domains":
                    target = "domain"
                for error in errors:
                    form.add_error(target, error)
        else:
            messages.success(
                request, _("%(name)s is being provisioned.") % {"name": municipality.name_en}
            )
            return redirect("console:municipality", code=municipality.code)
    return render(request, "tenants/console/municipality_form.html", {"form": form})


@never_cache
@operator_required
@require_http_methods(["GET", "POST"])
def municipality_detail(request, code: str):
    try:
        municipality = selectors.municipality_get(code=code)
    except Municipality.DoesNotExist as exc:
        raise Http404 from exc
    form = ModulesForm(request.POST or None, initial={"modules": municipality.modules})
    if request.method == "POST" and form.is_valid():
        services.municipality_modules_set(
            actor=request.user, municipality=municipality, modules=form.cleaned_data["modules"]
        )
        messages.success(request, _("Modules saved."))
        return redirect("console:municipality", code=code)
    return render(
        request,
        "tenants/console/municipality_detail.html",
        {
            "m": municipality,
            "form": form,
            "jobs": selectors.job_run_list(schema_name=municipality.schema_name, limit=30),
        },
    )


@never_cache
def health(request):
    """Liveness for load balancers and operators: database and Redis."""
    status = {"schema": connection.schema_name}
    ok = True
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        status["database"] = "ok"
    except Exception as exc:  # noqa: BLE001 - reported, not raised
        status["database"] = f"error: {type(exc).__name__}"
        ok = False
    try:
        cache.set("health", "ok", 5)
        status["cache"] = "ok" if cache.get("health") == "ok" else "error"
    except Exception as exc:  # noqa: BLE001
        status["cache"] = f"error: {type(exc).__name__}"
    ok = ok and status["cache"] == "ok"
    status["status"] = "ok" if ok else "error"
    return JsonResponse(status, status=200 if ok else 503)
