"""Role checks for staff views: a decorator and a mixin that say the same
thing, as pretix's control permissions do.

Anonymous users are sent to sign in; signed-in staff without the role get
403; a module the municipality has switched off answers 404."""

from collections.abc import Callable, Iterable
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import Http404, HttpRequest

from tenants.roles import ROLE_SLUGS


def user_roles(user) -> frozenset[str]:
    """The user's role slugs, read once per request object."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return frozenset()
    cached = getattr(user, "_imis_roles", None)
    if cached is None:
        cached = frozenset(user.groups.filter(name__in=ROLE_SLUGS).values_list("name", flat=True))
        user._imis_roles = cached
    return cached


def user_has_role(user, roles: Iterable[str]) -> bool:
    return bool(user_roles(user) & set(roles))


def _check(request: HttpRequest, roles: tuple[str, ...], module: str | None):
    tenant = getattr(request, "tenant", None) or connection.tenant
    if tenant is None or getattr(tenant, "kind", "platform") == "platform":
        raise Http404  # staff views exist only on a municipality's host
    if module and not tenant.has_module(module):
        raise Http404
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if roles and not user_has_role(request.user, roles):
        raise PermissionDenied
    return None


def _validated(roles: Iterable[str]) -> tuple[str, ...]:
    roles = tuple(roles)
    unknown = set(roles) - set(ROLE_SLUGS)
    if unknown:
        raise ValueError(f"unknown role(s): {sorted(unknown)}")
    return roles


def role_required(*roles: str, module: str | None = None) -> Callable:
    """``@role_required("fsm_manager", module="fsm")``; no roles means any staff."""
    roles = _validated(roles)

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs):
            denied = _check(request, roles, module)
            return denied or view(request, *args, **kwargs)

        wrapped.imis_roles = roles
        wrapped.imis_module = module
        return wrapped

    return decorator


class RoleRequiredMixin:
    """Class-based twin of :func:`role_required`; set ``roles`` and ``module``."""

    roles: tuple[str, ...] = ()
    module: str | None = None

    def dispatch(self, request, *args, **kwargs):
        denied = _check(request, _validated(self.roles), self.module)
        return denied or super().dispatch(request, *args, **kwargs)


def operator_required(view: Callable) -> Callable:
    """Console views: platform operators, signed in on the public schema only."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs):
        if connection.schema_name != "public":
            raise Http404
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), login_url="/login/")
        if not (request.user.is_active and request.user.is_staff):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped
