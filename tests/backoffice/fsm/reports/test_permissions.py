"""Role matrix for the monthly reports, on both municipalities."""

import pytest

from tests.backoffice.fsm.reports.test_reports import _report_for
from tests.conftest import staff_user
from tests.support.role_matrix import MatrixRow, assert_role_matrix
from tests.support.tenancy import host_of

READERS = {"fsm_manager", "municipal_admin", "service_provider"}


@pytest.mark.parametrize("which", ["tenant_a", "tenant_b"])
def test_report_role_matrix(which, request):
    tenant = request.getfixturevalue(which)
    pk = _report_for(tenant, "p1", member=staff_user(tenant, "service_provider"))
    rows = [
        MatrixRow("/staff/fsm/reports/", allowed=READERS),
        MatrixRow(f"/staff/fsm/reports/{pk}.pdf", allowed=READERS),
        MatrixRow(f"/staff/fsm/reports/{pk}.xlsx", allowed=READERS),
    ]
    assert_role_matrix(tenant, host_of(tenant.code), rows)
