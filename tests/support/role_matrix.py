"""The permission-matrix harness: role x URL -> expected status.

Every module adds its own rows (tests/<module>/test_permissions.py) and calls
:func:`assert_role_matrix`; all mismatches are reported at once.

    rows = [
        MatrixRow("/staff/fsm/", allowed={"fsm_manager"}, module="fsm"),
    ]
"""

from dataclasses import dataclass, field

from django.test import Client
from django_tenants.utils import schema_context

from tenants.roles import ROLE_SLUGS

ANONYMOUS = "anonymous"


@dataclass(frozen=True)
class MatrixRow:
    path: str
    allowed: frozenset[str] | set[str]
    method: str = "get"
    data: dict = field(default_factory=dict)
    ok: int = 200  # status for an allowed role
    denied: int = 403  # status for a signed-in role that is not allowed
    anonymous: int = 302  # sent to sign in

    def expected(self, role: str) -> int:
        if role == ANONYMOUS:
            return self.anonymous
        return self.ok if role in self.allowed else self.denied


ALL_STAFF = frozenset(ROLE_SLUGS)


def _client_for(tenant, host: str, role: str) -> Client:
    from django.contrib.auth import get_user_model

    client = Client(HTTP_HOST=host)
    if role != ANONYMOUS:
        with schema_context(tenant.schema_name):
            client.force_login(get_user_model().objects.get(username=role))
    return client


def role_matrix_failures(tenant, host: str, rows: list[MatrixRow]) -> list[str]:
    failures = []
    for role in (ANONYMOUS, *ROLE_SLUGS):
        client = _client_for(tenant, host, role)
        for row in rows:
            response = getattr(client, row.method)(row.path, row.data)
            if response.status_code != row.expected(role):
                failures.append(
                    f"{role:<24} {row.method.upper()} {row.path}: "
                    f"got {response.status_code}, expected {row.expected(role)}"
                )
    return failures


def assert_role_matrix(tenant, host: str, rows: list[MatrixRow]) -> None:
    failures = role_matrix_failures(tenant, host, rows)
    assert not failures, "permission matrix mismatches:\n" + "\n".join(failures)
