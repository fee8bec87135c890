"""FSM models and migration 0003's data step."""

import datetime
import importlib

import pytest
from django.contrib.gis.geos import Point
from django.db import connection
from django_tenants.utils import schema_context

from backoffice.fsm import services
from backoffice.fsm import workflow as wf
from backoffice.fsm.models import EmptyingApplication, EmptyingPhoto, emptying_photo_path

migration = importlib.import_module(
    "backoffice.fsm.migrations.0003_application_details_history_fees"
)


@pytest.fixture
def in_a(tenant_a):
    with schema_context(tenant_a.schema_name):
        yield


def _app() -> EmptyingApplication:
    return services.application_submit(
        actor=None,
        role=wf.CITIZEN,
        location=Point(89.55, 22.82, srid=4326),
        applicant_phone="01711000000",
    )


def test_disposed_rows_become_closed(in_a):
    disposed_at = datetime.datetime(2026, 3, 1, 10, tzinfo=datetime.UTC)
    feedback = disposed_at + datetime.timedelta(days=2)
    waiting, with_feedback = _app(), _app()
    # Rows as the old workflow left them: "disposed" without feedback, and
    # "closed" by the feedback (closed_at was the feedback time).
    EmptyingApplication.objects.filter(pk=waiting.pk).update(
        state="disposed", disposed_at=disposed_at, state_changed_at=disposed_at
    )
    EmptyingApplication.objects.filter(pk=with_feedback.pk).update(
        state="closed", disposed_at=disposed_at, closed_at=feedback, satisfaction=4
    )
    with connection.cursor() as cursor:
        cursor.execute(migration.DISPOSED_TO_CLOSED)
    waiting.refresh_from_db()
    with_feedback.refresh_from_db()
    assert (waiting.state, waiting.closed_at, waiting.feedback_at) == ("closed", disposed_at, None)
    assert (with_feedback.state, with_feedback.closed_at, with_feedback.feedback_at) == (
        "closed",
        disposed_at,
        feedback,
    )
    assert not EmptyingApplication.objects.filter(state="disposed").exists()


def test_photo_path_is_under_the_reference(in_a):
    app = _app()
    photo = EmptyingPhoto(application=app, kind="site")
    assert (
        emptying_photo_path(photo, "IMG_0001.jpg")
        == f"fsm/photos/{app.reference}/site-IMG_0001.jpg"
    )
    long_name = "x" * 300 + ".jpg"
    path = emptying_photo_path(photo, f"../../{long_name}")
    assert ".." not in path and len(path) < 255


def test_state_choices_follow_the_workflow():
    field = EmptyingApplication._meta.get_field("state")
    assert [value for value, _label in field.choices] == list(wf.STATES)
