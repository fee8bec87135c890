"""Provisioning step contributed by the public site: the Wagtail Site, an
English home page and its Bangla translation, and page rights for roles."""

from django.contrib.auth.models import Group, Permission
from django.db import transaction
from wagtail.models import GroupPagePermission, Locale, Page, Site

from citizen.models import Branding, HomePage

EN_INTRO = "Services of {name}: faecal sludge emptying, holding tax and water bills, notices."
BN_INTRO = "{name}-এর সেবা: পয়ঃবর্জ্য খালিকরণ, হোল্ডিং কর ও পানির বিল, নোটিশ।"


@transaction.atomic
def site_create_step(municipality, *, request=None) -> None:
    from tenants.roles import ROLES

    english, _ = Locale.objects.get_or_create(language_code="en")
    bangla, _ = Locale.objects.get_or_create(language_code="bn")
    root = Page.get_first_root_node()
    # Wagtail's migrations leave a placeholder page and site: replace them.
    Site.objects.all().delete()
    for page in root.get_children().exclude(content_type__model="homepage"):
        page.delete()
    home = HomePage.objects.filter(locale=english).first()
    if home is None:
        home = HomePage(
            title=municipality.name_en,
            slug="home",
            intro=EN_INTRO.format(name=municipality.name_en),
            locale=english,
        )
        root.add_child(instance=home)
        home.save_revision().publish()
    if not HomePage.objects.filter(locale=bangla).exists():
        home_bn = home.copy_for_translation(bangla)
        home_bn.title = municipality.name_bn
        home_bn.intro = BN_INTRO.format(name=municipality.name_bn)
        home_bn.save_revision().publish()
    primary = municipality.get_primary_domain()
    site = Site.objects.create(
        hostname=primary.domain if primary else f"{municipality.code}.localhost",
        port=80,
        root_page=home,
        is_default_site=True,
        site_name=municipality.name_en,
    )
    # Made now, not by the first page view (which would write on a GET).
    Branding.objects.get_or_create(site=site)
    for role in ROLES:
        if not role.page_permissions:
            continue
        group = Group.objects.get(name=role.slug)
        for codename in role.page_permissions:
            GroupPagePermission.objects.get_or_create(
                group=group,
                page=root,
                permission=Permission.objects.get(
                    content_type__app_label="wagtailcore", codename=codename
                ),
            )
