"""The staff profile page: who I am, my roles, my API token.

A new token is shown once, in the response to the POST that made it, and
only its first characters afterwards (the server keeps a hash)."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from maps import tokens
from maps.access import MODULE
from tenants.permissions import role_required, user_roles
from tenants.roles import role_label


@never_cache
@require_http_methods(["GET", "POST"])
@role_required()
def profile(request):
    api = request.tenant.has_module(MODULE)
    new_key = ""
    if api and request.method == "POST":
        action = request.POST.get("action")
        if action == "create":
            new_key = tokens.api_token_create(user=request.user, actor=request.user)
        elif action == "revoke":
            tokens.api_token_revoke(user=request.user, actor=request.user)
            messages.success(request, _("Your API token is revoked."))
            return redirect("maps:profile")
        else:
            return redirect("maps:profile")
    return render(
        request,
        "maps/profile.html",
        {
            "roles": [role_label(slug) for slug in sorted(user_roles(request.user))],
            "api": api,
            "token": tokens.api_token_active(user=request.user) if api else None,
            "new_key": new_key,
            "ogc_url": request.build_absolute_uri("/ogc/"),
        },
    )
