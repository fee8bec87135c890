"""Two municipalities for the whole test session, so leaks show up."""

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django_tenants.utils import schema_context

from tenants.models import Municipality
from tenants.roles import ROLES
from tenants.services import municipality_create, platform_ensure, template_ensure

PASSWORD = "Test-Passw0rd-imis"
CONSOLE_HOSTS = ["localhost", "testserver", "127.0.0.1"]
TENANTS = (
    {
        "code": "khulna",
        "name_en": "Khulna City Corporation",
        "name_bn": "খুলনা সিটি কর্পোরেশন",
        "kind": "city_corporation",
    },
    {
        "code": "jashore",
        "name_en": "Jashore Paurashava",
        "name_bn": "যশোর পৌরসভা",
        "kind": "paurashava",
    },
)


def host_of(code: str) -> str:
    return f"{code}.localhost"


def session_tenants_ensure() -> list[Municipality]:
    platform_ensure(console_hosts=CONSOLE_HOSTS)
    template_ensure()
    password_hash = make_password(PASSWORD)
    User = get_user_model()
    with schema_context("public"):
        User.objects.update_or_create(
            username="operator",
            defaults={"password": password_hash, "is_staff": True, "is_superuser": True},
        )
    result = []
    for spec in TENANTS:
        municipality = Municipality.objects.filter(code=spec["code"], ready=True).first()
        if municipality is None:
            municipality = municipality_create(
                actor=None,
                domains=[host_of(spec["code"])],
                admin_username="municipal_admin",
                admin_email=f"admin@{spec['code']}.example.org",
                admin_password=PASSWORD,
                **spec,
            )
        with schema_context(municipality.schema_name):
            for role in ROLES:
                user, _ = User.objects.get_or_create(username=role.slug)
                user.password = password_hash
                user.save()
                user.groups.add(Group.objects.get(name=role.slug))
        result.append(municipality)
    return result
