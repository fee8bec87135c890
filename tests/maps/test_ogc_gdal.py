"""What a GIS program sees: GDAL's OGC API - Features driver (the one QGIS
builds on) reads our service on a real server with an API token: the
collections are layers, the features come back with their attributes, a
bbox and an attribute filter are honoured; without a token it is refused.

The live server reads only committed data, so the records and the token are
made (and removed afterwards) by ``manage.py shell`` in a fresh process."""

import json
import subprocess

import pytest

from tests.support.cleanup import manage

pytestmark = [pytest.mark.django_db]

HOST = "khulna.localhost"

_SETUP = """
import json
from django_tenants.utils import schema_context
from django.contrib.auth import get_user_model
from backoffice.registry.models import Ward
from maps.cache import layer_changed
from maps.tokens import api_token_create
from tests.backoffice.registry.factories import building_make, wards_make
with schema_context("khulna"):
    before = set(Ward.objects.values_list("pk", flat=True))
    wards = wards_make()
    made = [building_make(ward=4, index=30 + i, use="commercial" if i == 0 else "residential")
            for i in range(3)]
    user = get_user_model().objects.get(username="gis_officer")
    key = api_token_create(user=user, actor=user)
    print(json.dumps({"key": key, "buildings": [b.pk for b in made],
                      "bins": [b.bin for b in made],
                      "wards": [w.pk for w in wards if w.pk not in before]}))
"""

_TEARDOWN = """
from django_tenants.utils import schema_context
from backoffice.registry.models import Building, ChangeRecord, Ward
from maps.models import ApiToken
from tenants.audit.models import AuditEvent
made = %(made)r
with schema_context("khulna"):
    ChangeRecord.objects.filter(model="building", object_id__in=made["buildings"]).delete()
    Building.objects.filter(pk__in=made["buildings"]).delete()
    Ward.objects.filter(pk__in=made["wards"]).delete()
    ApiToken.objects.filter(user__username="gis_officer").delete()
    AuditEvent.objects.filter(action__startswith="maps.api_token").delete()
"""


@pytest.fixture(scope="module")
def service(live_portal):
    result = manage("shell", "-c", _SETUP)
    assert result.returncode == 0, result.stderr
    made = json.loads(result.stdout.strip().splitlines()[-1])
    yield f"OAPIF:http://{HOST}:{live_portal}/ogc/", made
    result = manage("shell", "-c", _TEARDOWN % {"made": made})
    assert result.returncode == 0, result.stderr


def ogrinfo(source: str, *args: str, key: str = "") -> subprocess.CompletedProcess:
    config = ["--config", "GDAL_HTTP_HEADERS", f"Authorization: Token {key}"] if key else []
    return subprocess.run(
        ["ogrinfo", "-ro", *config, source, *args],
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_gdal_lists_the_collections_as_layers(service):
    source, made = service
    listing = ogrinfo(source, key=made["key"])
    assert listing.returncode == 0, listing.stderr
    for layer in ("buildings", "roads", "wards", "waterbodies", "containments"):
        assert f": {layer}" in listing.stdout


def test_gdal_reads_features_with_bbox_and_filter(service):
    source, made = service
    full = ogrinfo(source, "buildings", "-where", "use = 'commercial'", key=made["key"])
    assert full.returncode == 0, full.stderr
    assert made["bins"][0] in full.stdout and made["bins"][1] not in full.stdout
    assert "MULTIPOLYGON" in full.stdout
    # ward 4 of the factories' grid: 89.56-89.57 E, 22.83-22.84 N
    boxed = ogrinfo(
        source, "buildings", "-spat", "89.56", "22.83", "89.57", "22.84", "-so", key=made["key"]
    )
    assert boxed.returncode == 0, boxed.stderr
    assert "Feature Count: 3" in boxed.stdout


def test_gdal_without_a_token_is_refused(service):
    source, _ = service
    assert ogrinfo(source).returncode != 0
