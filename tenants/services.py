"""Writes to the platform: registering, provisioning and switching modules
of municipalities.  Provisioning never runs inside a web request: the
console registers and queues ``municipality_provision_task``."""

import logging
import time

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tenants.utils import get_public_schema_name, schema_context, schema_exists

from tenants.audit.services import audit_event_record
from tenants.clone import clone_function_ensure, schema_clone
from tenants.models import Domain, Municipality
from tenants.modules import DEFAULT_MODULES_BY_KIND
from tenants.provisioning import ProvisioningRequest, provisioning_steps, roles_seed
from tenants.selectors import code_is_taken, domain_is_taken

logger = logging.getLogger(__name__)


class ProvisioningError(Exception):
    """Provisioning failed; nothing it created is left behind."""


def _normalise_domains(domains: list[str]) -> list[str]:
    seen: list[str] = []
    for raw in domains:
        domain = raw.strip().lower().rstrip(".")
        if domain and domain not in seen:
            seen.append(domain)
    return seen


def _validate_domain(domain: str) -> None:
    labels = domain.split(".")
    if len(domain) > 253 or not all(
        label and len(label) <= 63 and label.replace("-", "").isalnum() and label.isascii()
        for label in labels
    ):
        raise ValidationError(
            {"domains": _("“%(domain)s” is not a valid host name.") % {"domain": domain}}
        )


@transaction.atomic
def municipality_register(
    *,
    actor,
    code: str,
    name_en: str,
    name_bn: str,
    kind: str,
    domains: list[str],
    modules: list[str] | None = None,
    timezone_name: str = "Asia/Dhaka",
) -> Municipality:
    """Record a municipality to provision (not ready, no schema yet).

    A duplicate code or domain is refused with a message and nothing is created."""
    code = code.strip().lower()
    domains = _normalise_domains(domains)
    if not domains:
        raise ValidationError({"domains": _("Give at least one domain.")})
    if code_is_taken(code):
        raise ValidationError(
            {"code": _("A municipality with the code “%(code)s” already exists.") % {"code": code}}
        )
    for domain in domains:
        _validate_domain(domain)
        if domain_is_taken(domain):
            raise ValidationError(
                {
                    "domains": _("The domain “%(domain)s” already belongs to a municipality.")
                    % {"domain": domain}
                }
            )
    if modules is None:
        modules = list(DEFAULT_MODULES_BY_KIND.get(kind, ()))
    municipality = Municipality(
        code=code,
        schema_name=code,
        name_en=name_en.strip(),
        name_bn=name_bn.strip(),
        kind=kind,
        modules=list(modules),
        timezone=timezone_name,
        ready=False,
    )
    municipality.full_clean()
    if kind == Municipality.Kind.PLATFORM:
        raise ValidationError({"kind": _("Choose the kind of municipality.")})
    municipality.save()
    for index, domain in enumerate(domains):
        Domain.objects.create(domain=domain, tenant=municipality, is_primary=index == 0)
    audit_event_record(
        actor=actor,
        action="municipality.register",
        obj=municipality,
        data={"code": code, "domains": domains, "modules": list(modules)},
    )
    return municipality


def municipality_provision(
    *,
    municipality_id: int,
    admin_username: str = "",
    admin_email: str = "",
    admin_password_hash: str = "",
) -> Municipality:
    """Clone the template schema, run every provisioning step in it, mark
    the municipality ready, all in one transaction.

    On any failure the transaction takes the schema and everything in it
    back, then the registration itself is removed: nothing is left."""
    municipality = Municipality.objects.get(pk=municipality_id)
    if municipality.ready:
        return municipality  # a re-delivered task: already done
    request = ProvisioningRequest(admin_username, admin_email, admin_password_hash)
    started = time.perf_counter()
    try:
        with transaction.atomic():
            # Serialises provisioning of one code (a re-delivered task waits, then sees ready).
            municipality = Municipality.objects.select_for_update().get(pk=municipality_id)
            if municipality.ready:
                return municipality
            _schema_clone(municipality.schema_name)
            connection.set_tenant(municipality)
            try:
                for step in provisioning_steps():
                    step(municipality, request=request)
            finally:
                connection.set_schema_to_public()
            municipality.ready = True
            municipality.ready_at = timezone.now()
            municipality.save(update_fields=["ready", "ready_at"])
            audit_event_record(actor=None, action="municipality.ready", obj=municipality)
            transaction.on_commit(_namespace_statistics_refresh)
    except Exception as exc:
        logger.exception("provisioning %s failed", municipality.code)
        municipality_registration_remove(municipality_id=municipality_id)
        raise ProvisioningError(
            _("Provisioning %(code)s failed: %(error)s") % {"code": municipality.code, "error": exc}
        ) from exc
    logger.info("provisioned %s in %.2f s", municipality.code, time.perf_counter() - started)
    _session_release()
    return municipality


def _session_release() -> None:
    """End the database session after a clone, outside any transaction.

    The clone function caches plans per session for every schema it has
    touched; a worker provisioning many municipalities in a row slowed down
    by a third within 50 (bench/provisioning.py).  A fresh session costs ms."""
    if not connection.in_atomic_block:
        connection.close()


def municipality_create(*, actor, admin_password: str = "", **fields) -> Municipality:
    """Register and provision in one go (management command, demo set-up)."""
    from django.contrib.auth.hashers import make_password

    admin_username = fields.pop("admin_username", "")
    admin_email = fields.pop("admin_email", "")
    municipality = municipality_register(actor=actor, **fields)
    return municipality_provision(
        municipality_id=municipality.pk,
        admin_username=admin_username,
        admin_email=admin_email,
        admin_password_hash=make_password(admin_password) if admin_username else "",
    )


@transaction.atomic
def municipality_registration_remove(*, municipality_id: int) -> None:
    """Remove a registration that never became ready (and its schema, if any)."""
    municipality = Municipality.objects.filter(pk=municipality_id, ready=False).first()
    if municipality is None:
        return
    if schema_exists(municipality.schema_name):
        from psycopg import sql

        with connection.cursor() as cursor:
            cursor.execute(
                sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(municipality.schema_name))
            )
    Domain.objects.filter(tenant=municipality).delete()
    municipality.delete()


@transaction.atomic
def municipality_modules_set(*, actor, municipality: Municipality, modules: list[str]) -> None:
    before = list(municipality.modules)
    municipality.modules = list(dict.fromkeys(modules))
    municipality.full_clean(exclude=["code", "schema_name"])
    municipality.save(update_fields=["modules"])
    audit_event_record(
        actor=actor,
        action="municipality.modules",
        obj=municipality,
        data={"before": before, "after": municipality.modules},
    )


def _schema_clone(schema_name: str) -> None:
    base = settings.TENANT_BASE_SCHEMA
    if not schema_exists(base):
        raise ProvisioningError(_("The template schema is missing: run migrate first."))
    if schema_exists(schema_name):
        raise ProvisioningError(
            _("The schema “%(schema)s” already exists.") % {"schema": schema_name}
        )
    # DATA mode copies the migration records, the Wagtail root page, the
    # locales and role groups seeded in the template: no migrations to run.
    schema_clone(base, schema_name)


def _namespace_statistics_refresh() -> None:
    # Stale pg_namespace statistics make the next clone 5-10x slower (ENV-NOTES).
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE pg_catalog.pg_namespace")


# --- Internal rows: the platform itself and the template schema ------------


@transaction.atomic
def platform_ensure(*, console_hosts: list[str]) -> Municipality:
    """The public schema's row and the console's host names."""
    platform, _ = Municipality.objects.get_or_create(
        schema_name=get_public_schema_name(),
        defaults={
            "code": "public",
            "name_en": "IMIS platform",
            "name_bn": "আইএমআইএস প্ল্যাটফর্ম",
            "kind": Municipality.Kind.PLATFORM,
            "ready": True,
        },
    )
    for index, host in enumerate(_normalise_domains(console_hosts)):
        Domain.objects.get_or_create(
            domain=host, defaults={"tenant": platform, "is_primary": index == 0}
        )
    return platform


def template_ensure() -> Municipality:
    """The registered template schema (so ``migrate_schemas`` keeps it
    current) with what every clone starts from: role groups, both locales."""
    base = settings.TENANT_BASE_SCHEMA
    template = Municipality.objects.filter(schema_name=base).first()
    if template is None:
        template = Municipality.objects.create(
            schema_name=base,
            code=base,
            name_en="Template",
            name_bn="টেমপ্লেট",
            kind=Municipality.Kind.PLATFORM,
            ready=False,
        )
    if not schema_exists(base):
        template.create_schema(check_if_exists=True, verbosity=0)
    with transaction.atomic():
        clone_function_ensure()
    with schema_context(base):
        roles_seed()
        from wagtail.models import Locale

        for code, _label in settings.LANGUAGES:
            Locale.objects.get_or_create(language_code=code)
    return template
