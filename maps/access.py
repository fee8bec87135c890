"""Who may use the map endpoints: signed-in staff of this municipality, by
session or by ``Authorization: Token ...``, with the ViewMap module on.

Layers are then checked one by one against the user's roles
(:func:`maps.registry.layer_for_roles`): a layer the role may not see is 404.

Tiles come by the hundred per map move, so :func:`request_roles` keeps a
signed-in session's roles in the tenant cache for ``AUTH_SECONDS`` (keyed by
a hash of the session key): a cached tile then costs no database query.
Signing out drops the entry at once; a role change or a deactivated account
reaches the tiles within ``AUTH_SECONDS``."""

import hashlib
from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.contrib.auth.signals import user_logged_out
from django.contrib.auth.views import redirect_to_login
from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse

from maps.tokens import token_user
from tenants.permissions import user_roles

MODULE = "viewmap"
AUTH_SECONDS = 60


def _unauthorized() -> JsonResponse:
    response = JsonResponse({"code": "unauthorized", "description": "Token invalid"}, status=401)
    response["WWW-Authenticate"] = 'Token realm="imis"'
    return response


def _tenant_check(request: HttpRequest, module: str | None) -> None:
    tenant = getattr(request, "tenant", None)
    if tenant is None or getattr(tenant, "kind", "platform") == "platform":
        raise Http404
    if module and not tenant.has_module(module):
        raise Http404


def _token_response(request: HttpRequest, header: str) -> HttpResponse | None:
    """Sign the request in by its token (request.user), or a 401."""
    scheme, _, key = header.partition(" ")
    if scheme.lower() != "token":
        return _unauthorized()
    user = token_user(key.strip())
    if user is None:
        return _unauthorized()
    request.user = user
    return None


def _anonymous(request: HttpRequest, api: bool) -> HttpResponse:
    if api:
        return _unauthorized()
    return redirect_to_login(request.get_full_path())


def map_access(*, module: str = MODULE, api: bool = False) -> Callable:
    """Tenant host, module on, a user signed in (session or token).
    Anonymous: the sign-in redirect staff pages give (``api``: 401 JSON);
    a token that is unknown, revoked or another municipality's: 401."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs):
            _tenant_check(request, module)
            header = request.headers.get("Authorization", "")
            if header:
                denied = _token_response(request, header)
                if denied is not None:
                    return denied
            elif not request.user.is_authenticated:
                return _anonymous(request, api)
            return view(request, *args, **kwargs)

        wrapped.imis_module = module
        return wrapped

    return decorator


def _session_roles_key(session_key: str) -> str:
    digest = hashlib.blake2s(session_key.encode(), digest_size=16).hexdigest()
    return f"maps:session-roles:{digest}"


def request_roles(
    request: HttpRequest, *, module: str = MODULE, api: bool = False, prefetch: tuple = ()
) -> tuple[frozenset[str] | HttpResponse, dict]:
    """The caller's roles, or the response refusing them (as :func:`map_access`),
    and the values of the ``prefetch`` cache keys, read in the same round trip."""
    _tenant_check(request, module)
    header = request.headers.get("Authorization", "")
    if header:
        denied = _token_response(request, header)
        roles = denied if denied is not None else user_roles(request.user)
        return roles, cache.get_many(prefetch) if prefetch else {}
    session_key = request.COOKIES.get(settings.SESSION_COOKIE_NAME, "")
    key = _session_roles_key(session_key) if session_key else ""
    values = cache.get_many([key, *prefetch] if key else prefetch) if key or prefetch else {}
    cached = values.pop(key, None) if key else None
    if cached is not None:
        return frozenset(cached), values
    if not request.user.is_authenticated:
        return _anonymous(request, api), values
    roles = user_roles(request.user)
    if key and request.session.session_key == session_key:
        cache.set(key, sorted(roles), timeout=AUTH_SECONDS)
    return roles, values


def _forget_session(sender, request, user, **kwargs) -> None:
    session = getattr(request, "session", None) if request is not None else None
    if session is not None and session.session_key:
        cache.delete(_session_roles_key(session.session_key))


user_logged_out.connect(_forget_session, dispatch_uid="maps-forget-session-roles")
