"""The service provider's jobs: only its own, the emptying form with photos
from the camera, declining with a reason; nothing of the owner."""

import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from django_tenants.utils import schema_context
from PIL import Image

from backoffice.fsm import workflow as wf
from backoffice.fsm.models import EmptyingApplication
from backoffice.registry import services as registry_services
from tests.backoffice.fsm.views.sample import fsm_sample
from tests.conftest import login

F = "/staff/fsm"


def photo(name="site.jpg", fmt="JPEG", size=(64, 48)) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", size, (120, 90, 60)).save(buffer, fmt)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type=f"image/{fmt.lower()}")


@pytest.fixture
def world(tenant_a):
    with schema_context(tenant_a.schema_name):
        sample = fsm_sample(tenant_a)
        owner = registry_services.owner_create(
            actor=None, name_en="Secret Owner", phone="01755555555", nid="1234567890"
        )
        registry_services.holding_owner_add(
            actor=None, holding=sample["holding"], owner=owner, share_percent=Decimal("100")
        )
        return sample


@pytest.fixture
def provider(client_a, tenant_a):
    return login(client_a, tenant_a, "service_provider")


def _app(tenant, app):
    with schema_context(tenant.schema_name):
        return EmptyingApplication.objects.get(pk=app.pk)


def test_list_shows_only_own_jobs(world, provider):
    html = provider.get(f"{F}/jobs/").content.decode()
    assert world["scheduled"].reference in html
    assert world["emptied"].reference in html  # done recently
    assert world["others"].reference not in html
    assert world["submitted"].reference not in html


def test_other_providers_job_is_404(world, provider):
    for path in ("", "decline/"):
        url = f"{F}/jobs/{world['others'].reference}/{path}"
        assert provider.get(url).status_code in (404, 405)
        assert provider.post(url, {"decline-reason": "no"}).status_code == 404
    assert provider.get(f"{F}/jobs/{world['submitted'].reference}/").status_code == 404


def test_job_page_has_what_the_visit_needs_and_no_owner_data(world, provider):
    html = provider.get(f"{F}/jobs/{world['scheduled'].reference}/").content.decode()
    assert "12 Lake Road" in html and 'href="tel:+8801712345678"' in html
    assert world["containment"].code in html and "Ward" in html
    for secret in ("Secret Owner", "1234567890", "01755555555", "+8801755555555"):
        assert secret not in html
    # the camera opens on a phone; touch targets are large
    assert 'accept="image/*"' in html and 'capture="environment"' in html
    assert 'class="big"' in html and 'enctype="multipart/form-data"' in html


def _emptying(world, **extra):
    now = timezone.localtime()
    data = {
        "empty-emptied_volume_m3": "2.5",
        "empty-trips": "1",
        "empty-emptying_started_at": now.replace(hour=9, minute=0).strftime("%Y-%m-%dT%H:%M"),
        "empty-emptying_ended_at": now.replace(hour=10, minute=30).strftime("%Y-%m-%dT%H:%M"),
        "empty-emptying_cost": "1800",
        "empty-emptying_receipt_number": "RC-77",
        "empty-plant": world["plant"].pk,
        "empty-site_photos": [photo("a.jpg"), photo("b.png", "PNG")],
        "empty-receipt_photo": photo("receipt.jpg"),
    }
    data.update(extra)
    return data


def test_emptying_form_records_the_job_with_photos(world, provider, tenant_a, client_a):
    job = world["scheduled"]
    response = provider.post(f"{F}/jobs/{job.reference}/", _emptying(world))
    assert response.status_code == 302, response.content.decode()[:3000]
    app = _app(tenant_a, job)
    assert app.state == wf.EMPTIED and app.emptied_volume_m3 == Decimal("2.5")
    assert app.emptying_receipt_number == "RC-77" and app.emptying_cost == Decimal("1800")
    assert app.plant_id == world["plant"].pk
    with schema_context(tenant_a.schema_name):
        photos = list(app.photos.order_by("pk"))
        assert [p.kind for p in photos] == ["site", "site", "receipt"]
        assert all(p.image.storage.exists(p.image.name) for p in photos)
        assert "khulna" in photos[0].image.path  # the tenant's own storage
        containment = app.containment
        containment.refresh_from_db()
        assert containment.times_emptied >= 1
    # photos are served through the role check: the office and this provider only
    assert provider.get(f"{F}/photos/{photos[0].pk}/").status_code == 200
    office = login(client_a, tenant_a, "fsm_manager")
    assert office.get(f"{F}/photos/{photos[0].pk}/")["Content-Type"] == "image/jpeg"
    viewer = login(client_a, tenant_a, "viewer")
    assert viewer.get(f"{F}/photos/{photos[0].pk}/").status_code == 403


@pytest.mark.parametrize(
    "extra,message",
    [
        ({"empty-site_photos": []}, "This field is required."),
        (
            {"empty-site_photos": [SimpleUploadedFile("x.jpg", b"not an image")]},
            "Upload a valid image",
        ),
        ({"empty-site_photos": [photo("x.gif", "GIF")]}, "Send a JPEG, PNG or WebP photo."),
        ({"empty-emptied_volume_m3": ""}, "This field is required."),
        ({"empty-plant": ""}, "This field is required."),
    ],
)
def test_emptying_form_refuses_bad_input(world, provider, tenant_a, extra, message):
    job = world["scheduled"]
    response = provider.post(f"{F}/jobs/{job.reference}/", _emptying(world, **extra))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert _app(tenant_a, job).state == wf.SCHEDULED


def test_photo_size_limit(world, provider, tenant_a, settings, monkeypatch):
    from backoffice.fsm import forms

    monkeypatch.setattr(forms, "PHOTO_MAX_BYTES", 100)
    job = world["scheduled"]
    response = provider.post(f"{F}/jobs/{job.reference}/", _emptying(world))
    assert response.status_code == 200 and "A photo may be at most" in response.content.decode()


def test_decline_with_reason(world, provider, tenant_a):
    job = world["scheduled"]
    blank = provider.post(f"{F}/jobs/{job.reference}/decline/", {"decline-reason": ""})
    assert blank.status_code == 200 and "This field is required." in blank.content.decode()
    response = provider.post(
        f"{F}/jobs/{job.reference}/decline/", {"decline-reason": "Lane too narrow for our truck"}
    )
    assert response.status_code == 302
    app = _app(tenant_a, job)
    assert app.state == wf.PROVIDER_DECLINED and app.reason == "Lane too narrow for our truck"
    # the declined job leaves the provider's list and pages
    listing = provider.get(f"{F}/jobs/").content.decode()
    assert job.reference not in listing[listing.index('id="todo"') :]
    assert provider.get(f"{F}/jobs/{job.reference}/").status_code == 404


def test_emptied_job_cannot_be_emptied_again(world, provider, tenant_a):
    job = world["emptied"]
    html = provider.get(f"{F}/jobs/{job.reference}/").content.decode()
    assert 'id="emptying"' not in html
    response = provider.post(f"{F}/jobs/{job.reference}/", _emptying(world))
    assert response.status_code == 302
    page = provider.get(response["Location"]).content.decode()
    assert "This cannot be done in the application&#x27;s current state." in page


def test_provider_without_a_company_sees_no_job(world, provider, tenant_a):
    from backoffice.fsm.models import ProviderMember

    with schema_context(tenant_a.schema_name):
        ProviderMember.objects.all().delete()
    html = provider.get(f"{F}/jobs/").content.decode()
    assert "not linked to a service provider" in html
    assert provider.get(f"{F}/jobs/{world['scheduled'].reference}/").status_code == 404


def test_tenant_b_provider_sees_nothing_of_tenant_a(world, client_b, tenant_b):
    other = login(client_b, tenant_b, "service_provider")
    assert world["scheduled"].reference not in other.get(f"{F}/jobs/").content.decode()
    assert other.get(f"{F}/jobs/{world['scheduled'].reference}/").status_code == 404
