"""The demo platform: console, two municipalities, one user per role."""

import secrets
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils.module_loading import import_string
from django_tenants.utils import schema_context

from tenants.models import Municipality
from tenants.roles import ROLES
from tenants.services import municipality_create, platform_ensure, template_ensure

DEMO_MUNICIPALITIES = (
    {
        "code": "khulna",
        "name_en": "Khulna City Corporation",
        "name_bn": "খুলনা সিটি কর্পোরেশন",
        "kind": Municipality.Kind.CITY_CORPORATION,
    },
    {
        "code": "jashore",
        "name_en": "Jashore Paurashava",
        "name_bn": "যশোর পৌরসভা",
        "kind": Municipality.Kind.PAURASHAVA,
    },
)


def demo_password_resolve(var_dir: Path) -> tuple[str, bool]:
    """IMIS_DEMO_PASSWORD, else the one generated at the first set-up.
    Returns (password, newly_generated)."""
    if settings.IMIS_DEMO_PASSWORD:
        return settings.IMIS_DEMO_PASSWORD, False
    stored = var_dir / "demo-password"
    if stored.exists():
        return stored.read_text().strip(), False
    password = secrets.token_urlsafe(12)
    var_dir.mkdir(parents=True, exist_ok=True)
    stored.write_text(password + "\n")
    stored.chmod(0o600)
    return password, True


@transaction.atomic
def _users_ensure(password_hash: str, usernames_roles: list[tuple[str, str | None]], **extra):
    User = get_user_model()
    for username, role in usernames_roles:
        user, _ = User.objects.get_or_create(username=username, defaults=extra)
        user.password = password_hash
        for field, value in extra.items():
            setattr(user, field, value)
        user.is_active = True
        user.save()
        if role:
            user.groups.add(Group.objects.get(name=role))


def demo_setup(*, base_domain: str, console_hosts: list[str], password: str) -> list[str]:
    """Idempotent: creates what is missing, resets the demo passwords."""
    lines = []
    password_hash = make_password(password)
    platform_ensure(console_hosts=console_hosts)
    template_ensure()
    with schema_context("public"):
        _users_ensure(password_hash, [("operator", None)], is_staff=True, is_superuser=True)
    lines.append(f"console   http://{console_hosts[0]}:PORT/login/   operator / {password}")
    for spec in DEMO_MUNICIPALITIES:
        municipality = Municipality.objects.filter(code=spec["code"]).first()
        if municipality is not None and not municipality.ready:
            from tenants.services import municipality_registration_remove

            municipality_registration_remove(municipality_id=municipality.pk)
            municipality = None
        if municipality is None:
            municipality = municipality_create(
                actor=None,
                domains=[f"{spec['code']}.{base_domain}"],
                admin_username="municipal_admin",
                admin_email=f"admin@{spec['code']}.example.org",
                admin_password=password,
                **spec,
            )
        with schema_context(municipality.schema_name):
            _users_ensure(password_hash, [(role.slug, role.slug) for role in ROLES])
            for step in settings.IMIS_DEMO_STEPS:  # contributed by higher apps
                import_string(step)(municipality, scale=settings.IMIS_DEMO_SCALE)
        host = municipality.get_primary_domain().domain
        lines.append(
            f"{spec['code']:<9} http://{host}:PORT/staff/login/   "
            f"{', '.join(r.slug for r in ROLES)} / {password}"
        )
    return lines
