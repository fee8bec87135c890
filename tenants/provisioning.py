"""Provisioning steps owned by the tenants app, and the step runner.

A step is ``step(municipality, *, request)``: it runs inside the new
municipality's schema, within the provisioning transaction, so a failing
step leaves nothing behind.  Higher apps (citizen, backoffice) list their
own steps in ``settings.IMIS_PROVISIONING_STEPS``."""

from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.utils.module_loading import import_string

from tenants.roles import ROLES


@dataclass(frozen=True)
class ProvisioningRequest:
    admin_username: str = ""
    admin_email: str = ""
    admin_password_hash: str = ""


Step = Callable[..., None]


def provisioning_steps() -> list[Step]:
    return [import_string(path) for path in settings.IMIS_PROVISIONING_STEPS]


def roles_seed() -> dict[str, Group]:
    """Create (or bring up to date) one group per role in the current schema."""
    groups: dict[str, Group] = {}
    for role in ROLES:
        group, _ = Group.objects.get_or_create(name=role.slug)
        wanted = []
        for dotted in role.permissions:
            app_label, codename = dotted.split(".", 1)
            wanted.append(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )
        group.permissions.set(wanted)
        groups[role.slug] = group
    return groups


def roles_seed_step(municipality, *, request: ProvisioningRequest) -> None:
    roles_seed()


def first_admin_step(municipality, *, request: ProvisioningRequest) -> None:
    if not request.admin_username:
        return
    user = get_user_model()(
        username=request.admin_username,
        email=request.admin_email,
        password=request.admin_password_hash,  # already hashed: no password travels
        is_active=True,
    )
    user.full_clean(exclude=["password"])
    user.save()
    user.groups.add(Group.objects.get(name="municipal_admin"))
