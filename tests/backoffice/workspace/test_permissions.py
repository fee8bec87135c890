"""Role matrix for the staff entrance and the CMS admin, on both tenants."""

import pytest

from tests.support.role_matrix import ALL_STAFF, MatrixRow, assert_role_matrix
from tests.support.tenancy import host_of

CMS_EDITORS = {"communications_officer", "municipal_admin"}

ROWS = [
    MatrixRow("/staff/", allowed=ALL_STAFF),
    # Wagtail admin: editors get in; other staff are turned away to its sign-in.
    MatrixRow("/cms/", allowed=CMS_EDITORS, denied=302),
    MatrixRow("/cms/pages/", allowed=CMS_EDITORS, denied=302),
]


@pytest.mark.parametrize("which", ["tenant_a", "tenant_b"])
def test_staff_role_matrix(which, request):
    tenant = request.getfixturevalue(which)
    assert_role_matrix(tenant, host_of(tenant.code), ROWS)
