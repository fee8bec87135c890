"""The one declarative table of staff roles.  Seeded as groups in every
municipality's schema at provisioning; later modules add URLs to the
permission matrix in tests/, not roles here unless MISSION.md adds one."""

from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Role:
    slug: str
    label: str
    description: str
    # Django permissions ("app_label.codename") the role's group holds.
    permissions: tuple[str, ...] = field(default_factory=tuple)
    # Wagtail page rights on the municipality's home page (add, change, publish...).
    page_permissions: tuple[str, ...] = field(default_factory=tuple)


_CMS_EDITOR = (
    "wagtailadmin.access_admin",
    "wagtailimages.add_image",
    "wagtailimages.change_image",
    "wagtailimages.choose_image",
    "wagtaildocs.add_document",
    "wagtaildocs.change_document",
    "wagtaildocs.choose_document",
    "citizen.change_branding",
)

ROLES: tuple[Role, ...] = (
    Role(
        "municipal_admin",
        _("Municipal admin"),
        _("Manages staff accounts and roles, module settings, tariffs and targets."),
        permissions=(*_CMS_EDITOR, "auth.add_user", "auth.change_user", "auth.view_user"),
        page_permissions=("add_page", "change_page", "publish_page"),
    ),
    Role(
        "revenue_chief",
        _("Revenue chief"),
        _("The only role that approves a billing run; signs every bill."),
    ),
    Role(
        "revenue_collector",
        _("Revenue collector"),
        _("Records counter payments and sees dues; cannot approve or sign bills."),
    ),
    Role(
        "fsm_manager",
        _("FSM manager"),
        _("Receives, assesses and schedules emptying applications; watches KPIs."),
    ),
    Role(
        "service_provider",
        _("Service provider"),
        _("Emptying operator: sees what a job needs and fills emptying forms."),
    ),
    Role(
        "caretaker",
        _("Treatment plant caretaker"),
        _("Confirms each disposal at the plant, which closes the job."),
    ),
    Role(
        "water_officer",
        _("Water supply officer"),
        _("Connections, meter readings and new-connection applications."),
    ),
    Role(
        "gis_officer",
        _("GIS officer"),
        _("Imports and edits layers: buildings, roads, drains, waterbodies, wards."),
    ),
    Role(
        "communications_officer",
        _("Communications officer"),
        _("Publishes pages, notices and bilingual manuals on the public site."),
        permissions=_CMS_EDITOR,
        page_permissions=("add_page", "change_page", "publish_page"),
    ),
    Role(
        "viewer",
        _("Viewer / analyst"),
        _("Dashboards, the map and exports where allowed."),
    ),
)

ROLE_SLUGS: tuple[str, ...] = tuple(role.slug for role in ROLES)
ROLES_BY_SLUG: dict[str, Role] = {role.slug: role for role in ROLES}


def role_label(slug: str) -> str:
    return str(ROLES_BY_SLUG[slug].label)
