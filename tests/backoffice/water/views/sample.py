"""What the water staff pages need: connections, a flagged reading, a
prepared run and an application in each state."""

import datetime
from decimal import Decimal

from backoffice.payments import services as payments
from backoffice.water import applications, runs, services
from tests.backoffice.registry.factories import building_make, holding_make
from tests.backoffice.water.factories import period_make, water_sample
from tests.conftest import staff_user


def views_sample(tenant) -> dict:
    officer = staff_user(tenant, "water_officer")
    sample = water_sample(officer)
    period = period_make(2026, 10)
    home = sample["connections"][0]
    flagged = services.reading_record(
        actor=officer,
        meter=home.meters.get(),
        period=period,
        read_on=datetime.date(2026, 10, 20),
        value=Decimal("500"),
        today=datetime.date(2026, 10, 30),
    )
    run = runs.water_run_prepare(actor=officer, period=period)
    building = building_make(officer, ward=2, index=70)
    holding = holding_make(officer, code="02-009-0001-00", buildings=[building])

    def submit():
        return applications.application_submit(
            actor=officer,
            applicant_name="Rahim",
            holding=holding,
            category=sample["tariffs"]["domestic"],
            size_mm=15,
        )

    submitted = submit()
    approved = applications.application_approve(actor=officer, application=submit())
    paid = applications.application_approve(actor=officer, application=submit())
    payments.counter_payment_record(
        actor=staff_user(tenant, "revenue_collector"), bill=paid, amount=paid.fee
    )
    paid.refresh_from_db()
    sample.update(
        officer=officer,
        period=period,
        flagged=flagged,
        run=run,
        submitted=submitted,
        approved=approved,
        paid=paid,
    )
    return sample
