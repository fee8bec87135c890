import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.test import override_settings
from django_tenants.utils import schema_context, schema_exists
from wagtail.models import Locale, Site

from citizen.models import HomePage
from tenants.models import Domain, Municipality
from tenants.roles import ROLE_SLUGS
from tenants.services import (
    ProvisioningError,
    municipality_create,
    municipality_register,
)

SPEC = {
    "code": "benapole",
    "name_en": "Benapole Paurashava",
    "name_bn": "বেনাপোল পৌরসভা",
    "kind": "paurashava",
    "domains": ["benapole.localhost"],
}


def boom_step(municipality, *, request):
    raise RuntimeError("disk full")


def _create(**extra):
    return municipality_create(
        actor=None,
        admin_username="mayor_office",
        admin_email="office@benapole.example.org",
        admin_password="Str0ng-Password-1",
        **{**SPEC, **extra},
    )


def test_provisioning_clones_and_sets_up_everything(db):
    municipality = _create()
    assert municipality.ready and municipality.ready_at
    assert schema_exists("benapole")
    assert municipality.get_primary_domain().domain == "benapole.localhost"
    with schema_context("benapole"):
        assert set(Group.objects.values_list("name", flat=True)) >= set(ROLE_SLUGS)
        admin = get_user_model().objects.get(username="mayor_office")
        assert admin.check_password("Str0ng-Password-1")
        assert list(admin.groups.values_list("name", flat=True)) == ["municipal_admin"]
        site = Site.objects.get()
        assert site.hostname == "benapole.localhost" and site.is_default_site
        assert set(Locale.objects.values_list("language_code", flat=True)) == {"en", "bn"}
        home_en = HomePage.objects.get(locale__language_code="en")
        home_bn = HomePage.objects.get(locale__language_code="bn")
        assert site.root_page_id == home_en.pk
        assert home_bn.translation_key == home_en.translation_key
        assert home_bn.title == "বেনাপোল পৌরসভা" and home_bn.live


@override_settings(
    IMIS_PROVISIONING_STEPS=[
        "tenants.provisioning.roles_seed_step",
        "citizen.provisioning.site_create_step",
        "tests.tenants.test_provisioning.boom_step",
    ]
)
def test_a_failing_step_leaves_nothing_behind(db):
    with pytest.raises(ProvisioningError, match="disk full"):
        _create()
    assert not schema_exists("benapole")
    assert not Municipality.objects.filter(code="benapole").exists()
    assert not Domain.objects.filter(domain="benapole.localhost").exists()


def test_duplicate_code_is_refused_and_nothing_is_created(db):
    before = (Municipality.objects.count(), Domain.objects.count())
    with pytest.raises(ValidationError) as exc:
        municipality_register(actor=None, **{**SPEC, "code": "khulna"})
    assert "already exists" in str(exc.value)
    assert (Municipality.objects.count(), Domain.objects.count()) == before


def test_duplicate_domain_is_refused_and_nothing_is_created(db):
    before = (Municipality.objects.count(), Domain.objects.count())
    with pytest.raises(ValidationError) as exc:
        municipality_register(actor=None, **{**SPEC, "domains": ["KHULNA.localhost"]})
    assert "already belongs" in str(exc.value)
    assert (Municipality.objects.count(), Domain.objects.count()) == before
    assert not schema_exists("benapole")


@pytest.mark.parametrize("code", ["public", "imis_template", "pg_x", "Bad-Code", "1abc", "a"])
def test_reserved_or_malformed_codes_are_refused(db, code):
    before = Municipality.objects.count()
    with pytest.raises(ValidationError):
        municipality_register(actor=None, **{**SPEC, "code": code})
    assert Municipality.objects.count() == before


def test_invalid_domain_is_refused(db):
    with pytest.raises(ValidationError, match="not a valid host name"):
        municipality_register(actor=None, **{**SPEC, "domains": ["bad domain!"]})


def test_provision_is_idempotent_for_a_redelivered_task(db):
    from tenants.services import municipality_provision

    municipality = _create()
    again = municipality_provision(municipality_id=municipality.pk)
    assert again.pk == municipality.pk and again.ready


def test_modules_default_by_kind(db):
    water = municipality_register(
        actor=None,
        code="khulnawasa",
        name_en="Khulna WASA",
        name_bn="খুলনা ওয়াসা",
        kind="water_utility",
        domains=["khulnawasa.localhost"],
    )
    assert "water" in water.modules and "fsm" not in water.modules
    assert not water.ready


def test_roles_seed_brings_groups_up_to_date(tenant_a):
    from django.contrib.auth.models import Permission

    from tenants.provisioning import roles_seed

    with schema_context(tenant_a.schema_name):
        group = Group.objects.get(name="communications_officer")
        group.permissions.clear()
        Group.objects.filter(name="viewer").delete()
        roles_seed()
        assert Group.objects.filter(name="viewer").exists()
        codenames = set(
            Permission.objects.filter(group__name="communications_officer").values_list(
                "codename", flat=True
            )
        )
        assert {"access_admin", "change_branding"} <= codenames


def test_the_clone_function_is_installed_once(db):
    from tenants.clone import clone_function_ensure

    assert clone_function_ensure() is False  # installed at template set-up, same version
    _create()
    with schema_context("public"):
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_proc WHERE proname = 'clone_schema'")
            assert cursor.fetchone()[0] == 1
