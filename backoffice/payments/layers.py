"""The tax-due map layer ("Holding tax owed"): buildings whose holdings owe
on their latest bill (it carries the arrears, less what valid receipts
credit to it), with what is owed and how much of it is overdue on the
municipality's date; the theme colours by the overdue amount, with its own
band for what is owed but not yet due.  So the layer's ``where`` keeps
every building that owes, due or not (the overdue part alone would drop
that band); a layer of overdue buildings only would say
``where=_OVERDUE + " > 0"`` (``where`` takes ``{today}`` too).  Payments
owns it because it knows both the bills and what was paid; tiles are keyed
by the municipality's day (a due date passing changes them) and retired
when a payment is recorded."""

from django.db.models.signals import post_save
from django.utils.translation import gettext_lazy as _

from backoffice.billing.models import BillRun
from backoffice.payments.models import Payment
from backoffice.registry.models import Building
from maps.cache import layer_changed
from maps.registry import Attribute, Layer, Theme, layer_register

REVENUE_READERS = ("revenue_chief", "revenue_collector", "municipal_admin")

# Per building: what the latest bill of each of its holdings still owes (it
# carries the arrears), less what counts as paid towards it (selectors.
# bill_credits: its valid receipts, plus valid payments on the holding's other
# documents of its period or earlier, or cancelled ones, received at or after
# its figures were fixed, which its arrears could not know of); ``{due}``
# limits it to bills past their due date.
_OWED = """(SELECT COALESCE(sum(GREATEST(b.total - COALESCE((
    SELECT sum(p.amount) FROM billing_bill o
    JOIN billing_billrun ro ON ro.id = o.run_id
    JOIN billing_billingperiod po ON po.id = ro.period_id
    JOIN payments_payment p ON p.bill_id = o.id
    WHERE o.holding_id = b.holding_id AND p.status = 'valid'
      AND (o.id = b.id OR (
          p.received_at >= (SELECT min(f.issued_at) FROM billing_bill f
                            WHERE f.holding_id = b.holding_id AND f.run_id = b.run_id)
          AND ((po.year, po.quarter) <= (
                   SELECT pb.year, pb.quarter FROM billing_billrun rb
                   JOIN billing_billingperiod pb ON pb.id = rb.period_id
                   WHERE rb.id = b.run_id)
               OR o.status = 'cancelled')))), 0), 0)), 0)::float8
  FROM registry_buildingholding bh
  JOIN billing_bill b ON b.holding_id = bh.holding_id
  WHERE bh.building_id = t.id AND b.kind IN ('bill', 'correction') AND b.status = 'issued'{due}
    AND NOT EXISTS (SELECT 1 FROM billing_bill n WHERE n.holding_id = b.holding_id
                    AND n.kind IN ('bill', 'correction') AND n.status = 'issued'
                    AND n.id > b.id))"""
_BALANCE = _OWED.format(due="")
_OVERDUE = _OWED.format(due=" AND b.due_on < {today}")

BANDS = (
    (0, _("Owed, not yet due"), "#fdd0a2"),
    (1, _("Overdue: less than 1,000 BDT"), "#fb6a4a"),
    (1000, _("Overdue: 1,000 to 10,000 BDT"), "#cb181d"),
    (10000, _("Overdue: more than 10,000 BDT"), "#67000d"),
)

TAX_DUE = Layer(
    slug="tax_due",
    title=_("Holding tax owed"),
    roles=REVENUE_READERS,
    model=Building,
    geometry="footprint",
    geometry_type="polygon",
    module="payments",
    attributes=(
        Attribute("bin", _("BIN")),
        Attribute("owed", _("owed (BDT)"), type="number", sql=_BALANCE),
        Attribute("overdue", _("overdue (BDT)"), type="number", sql=_OVERDUE),
    ),
    style={
        "type": "fill",
        "paint": {"fill-color": "#cb181d", "fill-opacity": 0.7, "fill-outline-color": "#67000d"},
    },
    themes=(
        Theme(
            "overdue",
            _("Tax due: by amount overdue"),
            "overdue",
            {
                "paint": {
                    "fill-color": [
                        "step",
                        ["get", "overdue"],
                        BANDS[0][2],
                        *[v for value, _label, colour in BANDS[1:] for v in (value, colour)],
                    ]
                }
            },
            tuple((str(value), label, colour) for value, label, colour in BANDS),
        ),
    ),
    min_zoom=13,
    detail_url="/staff/registry/buildings/{bin}/",
    where=_BALANCE + " > 0",
    daily=True,
    order=60,
)
layer_register(TAX_DUE)


def _payment_recorded(sender, **kwargs) -> None:
    layer_changed("tax_due")


def _run_saved(sender, instance, **kwargs) -> None:
    if instance.state in (BillRun.State.ISSUING, BillRun.State.ISSUED):
        layer_changed("tax_due")


post_save.connect(_payment_recorded, sender=Payment, dispatch_uid="payments.layers.tax_due")
post_save.connect(_run_saved, sender=BillRun, dispatch_uid="payments.layers.tax_due_runs")
