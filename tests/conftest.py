"""Session set-up: the test database keeps the platform row, the template
schema and two municipalities (khulna, jashore) for the whole session, each
with one user per role.  Tests run in a transaction that is rolled back."""

import pytest
import redis
from django.conf import settings
from django.db import connection
from django.test import Client
from django_tenants.utils import schema_context

from tests.support.tenancy import host_of, session_tenants_ensure


def _redis_test_dbs_flush() -> None:
    # Tasks left in the test broker by an earlier run would reach this run's worker.
    for url in (
        settings.CELERY_BROKER_URL,
        settings.CELERY_RESULT_BACKEND,
        settings.CACHES["default"]["LOCATION"],
    ):
        redis.Redis.from_url(url).flushdb()


def pytest_collection_modifyitems(items):
    # Every test may touch the database, so pytest-django always builds the
    # test database first: a run of only browser or matrix tests must never
    # fall through to the development database.
    for item in items:
        if item.get_closest_marker("django_db") is None:
            item.add_marker(pytest.mark.django_db)


def assert_test_database() -> None:
    name = connection.settings_dict["NAME"]
    if not str(name).startswith("test_"):
        raise RuntimeError(f"refusing to touch {name!r}: tests run on test_* databases only")


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    assert_test_database()
    with django_db_blocker.unblock():
        _redis_test_dbs_flush()
        session_tenants_ensure()
        connection.set_schema_to_public()


@pytest.fixture(autouse=True)
def _back_to_public():
    yield
    if connection.connection is not None or connection.schema_name != "public":
        connection.set_schema_to_public()


@pytest.fixture
def tenant_a(db):
    from tenants.models import Municipality

    return Municipality.objects.get(code="khulna")


@pytest.fixture
def tenant_b(db):
    from tenants.models import Municipality

    return Municipality.objects.get(code="jashore")


@pytest.fixture
def client_a(tenant_a) -> Client:
    return Client(HTTP_HOST=host_of("khulna"))


@pytest.fixture
def client_b(tenant_b) -> Client:
    return Client(HTTP_HOST=host_of("jashore"))


@pytest.fixture
def console_client(db) -> Client:
    return Client(HTTP_HOST="localhost")


def staff_user(tenant, username: str):
    from django.contrib.auth import get_user_model

    with schema_context(tenant.schema_name):
        return get_user_model().objects.get(username=username)


def login(client: Client, tenant, username: str) -> Client:
    """Sign ``username`` in on ``tenant``'s host (session stored in its schema)."""
    user = staff_user(tenant, username)
    with schema_context(tenant.schema_name):
        client.force_login(user)
    return client


@pytest.fixture
def operator_client(console_client) -> Client:
    from django.contrib.auth import get_user_model

    with schema_context("public"):
        console_client.force_login(get_user_model().objects.get(username="operator"))
    return console_client


# --- Real servers, started once per session when a test asks for them ------


@pytest.fixture(scope="session")
def sms_simulator(django_db_setup):
    """The SMS gateway simulator; servers and workers started later use it."""
    from tests.support.sms import sms_simulator_start

    simulator = sms_simulator_start()
    yield simulator
    simulator.stop()


@pytest.fixture(scope="session")
def payment_simulator(django_db_setup):
    """The payment gateway simulator (SSLCommerz v4 and ekPay-style)."""
    from tests.support.payments import payment_simulator_start

    simulator = payment_simulator_start()
    yield simulator
    simulator.stop()


@pytest.fixture(scope="session")
def celery_worker(django_db_setup, sms_simulator, payment_simulator):
    from tests.support.processes import celery_worker_start

    worker = celery_worker_start()
    yield worker
    worker.stop()


@pytest.fixture(scope="session")
def live_portal(django_db_setup, sms_simulator, payment_simulator):
    """gunicorn serving the portal on the test database; returns its port."""
    from tests.support.processes import free_port, gunicorn_start

    port = free_port()
    server = gunicorn_start(port)
    yield port
    server.stop()
