from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting
from wagtail.fields import RichTextField
from wagtail.models import Page


class HomePage(Page):
    """A municipality's public home page, one per locale (English, Bangla)."""

    intro = models.CharField(_("introduction"), max_length=300, blank=True)
    body = RichTextField(_("body"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro"), FieldPanel("body")]
    max_count_per_parent = 1
    parent_page_types = ["wagtailcore.Page"]

    class Meta:
        verbose_name = _("home page")


@register_setting(icon="site")
class Branding(BaseSiteSetting):
    """The municipality's logo on every public page; the communications
    officer changes it in the CMS (Settings > Branding)."""

    logo = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("logo"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    panels = [FieldPanel("logo")]

    class Meta:
        verbose_name = _("branding")


class OneTimeCode(models.Model):
    """A code sent by SMS to prove a phone number for one purpose.  Only an
    HMAC of the code is kept; see citizen.services.otp_send / otp_verify."""

    class Purpose(models.TextChoices):
        FSM_APPLY = "fsm_apply", _("Apply for emptying")
        FSM_TRACK = "fsm_track", _("Track an emptying application")
        BILL_OWNER = "bill_owner", _("See a holding's owner copy and receipts")

    phone = models.CharField(_("phone"), max_length=14)
    purpose = models.CharField(_("purpose"), max_length=20, choices=Purpose.choices)
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(_("sent"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"))
    attempts = models.PositiveSmallIntegerField(_("wrong attempts"), default=0)
    used_at = models.DateTimeField(_("used"), null=True, blank=True)
    # Set when too many wrong codes were tried: no code is sent or accepted
    # for this phone and purpose until then.
    locked_until = models.DateTimeField(_("locked until"), null=True, blank=True)

    class Meta:
        verbose_name = _("one-time code")
        verbose_name_plural = _("one-time codes")
        indexes = [models.Index(fields=["phone", "purpose", "created_at"])]

    def __str__(self) -> str:
        return f"{self.phone} {self.purpose}"
