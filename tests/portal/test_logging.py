import logging

from django.conf import settings
from django.utils.module_loading import import_string
from django_tenants.utils import schema_context


def _formatted(message: str) -> str:
    conf = settings.LOGGING
    log_filter = import_string(conf["filters"]["tenant_context"]["()"])()
    formatter = logging.Formatter(conf["formatters"]["tenant"]["format"])
    record = logging.LogRecord("imis.test", logging.INFO, __file__, 1, message, (), None)
    assert log_filter.filter(record)
    return formatter.format(record)


def test_log_lines_carry_the_schema(tenant_a):
    with schema_context(tenant_a.schema_name):
        assert "[khulna:" in _formatted("bill run started")
    assert "[public:" in _formatted("console")
