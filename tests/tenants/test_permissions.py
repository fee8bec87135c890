"""The decorator/mixin pair, exercised on throwaway views."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.test import RequestFactory
from django.views import View
from django_tenants.utils import schema_context

from tenants.permissions import RoleRequiredMixin, role_required, user_roles
from tests.conftest import staff_user


@role_required("fsm_manager", module="fsm")
def fsm_view(request):
    return HttpResponse("ok")


class FsmView(RoleRequiredMixin, View):
    roles = ("fsm_manager",)
    module = "fsm"

    def get(self, request):
        return HttpResponse("ok")


VIEWS = [fsm_view, FsmView.as_view()]


def _request(tenant, user):
    request = RequestFactory().get("/staff/fsm/")
    request.tenant = tenant
    request.user = user
    return request


@pytest.mark.parametrize("view", VIEWS)
def test_allowed_role_passes(tenant_a, view):
    with schema_context(tenant_a.schema_name):
        user = staff_user(tenant_a, "fsm_manager")
        assert view(_request(tenant_a, user)).status_code == 200


@pytest.mark.parametrize("view", VIEWS)
def test_other_role_is_forbidden(tenant_a, view):
    with schema_context(tenant_a.schema_name):
        user = staff_user(tenant_a, "viewer")
        with pytest.raises(PermissionDenied):
            view(_request(tenant_a, user))


@pytest.mark.parametrize("view", VIEWS)
def test_anonymous_is_sent_to_sign_in(tenant_a, view):
    response = view(_request(tenant_a, AnonymousUser()))
    assert response.status_code == 302 and response.url.startswith("/staff/login/")


@pytest.mark.parametrize("view", VIEWS)
def test_disabled_module_is_not_found(tenant_a, view):
    tenant_a.modules = [m for m in tenant_a.modules if m != "fsm"]
    with schema_context(tenant_a.schema_name):
        user = staff_user(tenant_a, "fsm_manager")
        with pytest.raises(Http404):
            view(_request(tenant_a, user))


def test_unknown_role_is_a_programming_error():
    with pytest.raises(ValueError, match="unknown role"):
        role_required("mayor")


def test_roles_are_read_from_this_schema_only(tenant_a, tenant_b):
    with schema_context(tenant_a.schema_name):
        assert user_roles(staff_user(tenant_a, "caretaker")) == {"caretaker"}
    with schema_context(tenant_b.schema_name):
        assert user_roles(staff_user(tenant_b, "caretaker")) == {"caretaker"}
