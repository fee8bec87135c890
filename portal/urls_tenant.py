"""Each municipality's own host: staff back office, Wagtail admin, public site."""

from django.conf.urls.i18n import i18n_patterns
from django.urls import include, path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from backoffice.billing.pdf import urls as billing_pdf_urls
from tenants.console.views import health
from tenants.views import media_serve, ping

urlpatterns = [
    path("health/", health, name="health"),
    path("ping/", ping, name="ping"),
    path("media/<slug:schema>/<path:path>", media_serve, name="media"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("bills/", include((billing_pdf_urls.public_patterns, "bills"))),  # QR codes point here
    path("api/v1/bills/", include((billing_pdf_urls.api_patterns, "bills_api"))),
    path("staff/billing/print/", include((billing_pdf_urls.staff_patterns, "billing_pdf"))),
    path("staff/billing/", include("backoffice.billing.urls")),
    path("staff/registry/", include("backoffice.registry.urls")),
    path("staff/fsm/reports/", include("backoffice.fsm.reports.urls")),
    path("staff/fsm/", include("backoffice.fsm.urls")),
    path("staff/payments/", include("backoffice.payments.staff_urls")),
    path("staff/water/", include("backoffice.water.urls")),
    path("payments/", include("backoffice.payments.urls")),  # gateway callbacks
    path("staff/map/", include("maps.viewer.urls")),
    path("staff/notifications/", include("backoffice.notifications.urls")),
    path("staff/", include("backoffice.workspace.urls")),
    path("", include("maps.urls")),  # /tiles/ and /ogc/
    path("cms/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
]
urlpatterns += i18n_patterns(
    path("fsm/", include("citizen.urls")),  # before Wagtail's catch-all
    path("pay/", include("citizen.bills_urls")),  # bill look-up and online payment
    path("", include(wagtail_urls)),
    prefix_default_language=True,
)
