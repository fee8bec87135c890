"""Who may use the map endpoints: signed-in staff of this municipality, by
session or by ``Authorization: Token ...``, with the ViewMap module on.

Layers are then checked one by one against the user's roles
(:func:`maps.registry.layer_for_user`): a layer the role may not see is 404."""

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, JsonResponse

from maps.tokens import token_user

MODULE = "viewmap"


def _unauthorized() -> JsonResponse:
    response = JsonResponse({"code": "unauthorized", "description": "Token invalid"}, status=401)
    response["WWW-Authenticate"] = 'Token realm="imis"'
    return response


def map_access(*, module: str = MODULE, api: bool = False) -> Callable:
    """Tenant host, module on, a user signed in (session or token).
    Anonymous: the sign-in redirect staff pages give (``api``: 401 JSON);
    a token that is unknown, revoked or another municipality's: 401."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs):
            tenant = getattr(request, "tenant", None)
            if tenant is None or getattr(tenant, "kind", "platform") == "platform":
                raise Http404
            if module and not tenant.has_module(module):
                raise Http404
            header = request.headers.get("Authorization", "")
            if header:
                scheme, _, key = header.partition(" ")
                if scheme.lower() != "token":
                    return _unauthorized()
                user = token_user(key.strip())
                if user is None:
                    return _unauthorized()
                request.user = user
            elif not request.user.is_authenticated:
                if api:
                    return _unauthorized()
                return redirect_to_login(request.get_full_path())
            return view(request, *args, **kwargs)

        wrapped.imis_module = module
        return wrapped

    return decorator
