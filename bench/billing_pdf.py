"""Signed bill PDFs: one bill on demand, and a ward's print batch.

One bill on demand: ``GET /api/v1/bills/<NUMBER>/pdf`` with a staff API
token on the municipality's host (Django test client: tenant middleware,
token, role check, the bill's query, letterhead, QR code, template,
WeasyPrint, pyHanko, the cache file, audit), each round a bill not rendered
before (a cache miss).  Baseline, same run, alternating rounds: a bare
WeasyPrint render of the very same HTML plus a bare pyHanko PAdES signature
with a key loaded once.  Targets: median ratio <= 1.2, our p50 <= 300 ms.
The cached answer is reported for information.

Ward print batch: ``print_batch_make`` for one ward (the Celery task's
service: the ward's bills, chunked rendering with progress, pages joined,
one signature, stored file) in pages per second, against bare WeasyPrint
writing the same bills' HTML as one multi-page document.  Target >= 0.9x.

A municipality of its own in ``imis_bench_billpdf`` (Redis 26), dropped at
the end."""

import gc
import io
import os
import statistics
import time

from bench.harness import Figure, median, percentile, report, say, stopwatch
from bench.registry_common import HOST, PASSWORD, Stack, municipality_make

NAME = "billing_pdf"
TIMEOUT_SECONDS = 20 * 60
DB = "imis_bench_billpdf"
REDIS_DB = 26
SINGLE_ROUNDS = 25
WARMUP = 3
BATCH_BILLS = 300  # bills in the printed ward
BATCH_ROUNDS = 4
TARGET_RATIO = 1.2
TARGET_P50_MS = 300
TARGET_BATCH = 0.9


def run() -> None:
    with Stack(DB, REDIS_DB):
        municipality, _gis = municipality_make()
        token, ward = _bills(SINGLE_ROUNDS + WARMUP, BATCH_BILLS)
        _single(token)
        _batch(ward)


def _bills(singles: int, batch: int):
    """``singles`` holdings in ward 2 with an owner each, ``batch`` in
    ward 1; a quarter's run issued; a revenue collector's API token."""
    import datetime
    from decimal import Decimal

    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from backoffice.billing import services as billing
    from backoffice.billing.models import BillingPeriod, TaxRate
    from backoffice.registry import services as registry
    from backoffice.registry.models import Ward
    from maps.tokens import api_token_create

    with stopwatch() as took:
        chief = get_user_model().objects.create_user("revenue_chief", password=PASSWORD)
        chief.groups.add(Group.objects.get(name="revenue_chief"))
        collector = get_user_model().objects.create_user("revenue_collector", password=PASSWORD)
        collector.groups.add(Group.objects.get(name="revenue_collector"))
        TaxRate.objects.create(
            holding_type="residential",
            holding_tax_pct=Decimal("7"),
            conservancy_pct=Decimal("7"),
            lighting_pct=Decimal("3"),
            rebate_pct=Decimal("10"),
            surcharge_pct=Decimal("5"),
        )
        for ward, count in ((1, batch), (2, singles)):
            for i in range(count):
                owner = registry.owner_create(
                    actor=None, name_en=f"Owner {ward}-{i}", name_bn=f"মালিক {ward}-{i}"
                )
                registry.holding_create(
                    actor=None,
                    code=f"{ward:02d}-001-{i + 1:04d}-00",
                    holding_type="residential",
                    annual_value=Decimal(120000 + 37 * i),
                    owners=[owner],
                )
        period = BillingPeriod.objects.create(
            year=2026,
            quarter=4,
            starts_on=datetime.date(2026, 10, 1),
            ends_on=datetime.date(2026, 12, 31),
            due_on=datetime.date(2026, 12, 31),
        )
        run = billing.bill_run_prepare(actor=collector, period=period)
        run = billing.bill_run_approve(actor=chief, run=run)
        run = billing.bill_run_issue(run_id=run.pk)
        token = api_token_create(user=collector, actor=collector)
    say(f"{run.bill_count} bills issued in {took[0]:.1f} s")
    return token, Ward.objects.get(number=1)


def _bare_sign(pdf: bytes, signer) -> bytes:
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    meta = signers.PdfSignatureMetadata(
        field_name="Signature", subfilter=fields.SigSeedSubFilter.PADES, md_algorithm="sha256"
    )
    out = io.BytesIO()
    signers.PdfSigner(meta, signer=signer).sign_pdf(
        IncrementalPdfFileWriter(io.BytesIO(pdf)), bytes_reserved=8192, output=out
    )
    return out.getvalue()


def _single(token: str) -> None:
    from django.db import connection
    from django.test import Client
    from weasyprint import HTML

    from backoffice.billing.models import Bill
    from backoffice.billing.pdf import rendering, signing

    numbers = list(
        Bill.objects.filter(holding__ward__number=2)
        .order_by("number")
        .values_list("number", flat=True)
    )
    signer = signing.signer_current().signer  # the key, loaded once (for both sides)
    head = rendering.letterhead_current()
    pages = {}
    for number in numbers:
        bill = rendering.bills_for_print(Bill.objects.filter(number=number)).get()
        pages[number] = rendering.bills_html([bill], head=head)
    connection.set_schema_to_public()  # as a request starts
    client = Client(HTTP_HOST=HOST, HTTP_AUTHORIZATION=f"Token {token}")

    cpu: list[float] = []

    def ours(number: str) -> float:
        started = time.process_time()
        with stopwatch() as took:
            response = client.get(f"/api/v1/bills/{number}/pdf")
            if response.status_code != 200 or not response.content.startswith(b"%PDF"):
                raise RuntimeError(f"bill {number}: {response.status_code}")
        cpu.append(time.process_time() - started)
        return took[0]

    def bare(number: str) -> float:
        with stopwatch() as took:
            _bare_sign(HTML(string=pages[number], base_url="file:///").write_pdf(), signer)
        return took[0]

    mine, base = [], []
    for i, number in enumerate(numbers):  # alternating which goes first
        if i % 2:
            b = bare(number)
            o = ours(number)
        else:
            o = ours(number)
            b = bare(number)
        if i >= WARMUP:
            mine.append(o)
            base.append(b)
    ratios = [o / b for o, b in zip(mine, base, strict=True)]
    say(
        f"{len(mine)} rounds: ours p50 {median(mine) * 1000:.0f} ms, "
        f"bare p50 {median(base) * 1000:.0f} ms, ratio spread "
        f"{min(ratios):.2f}-{max(ratios):.2f} (stdev {statistics.pstdev(ratios):.2f})"
    )
    report(
        Figure(
            NAME,
            "one signed bill PDF on demand",
            median(mine) * 1000,
            "ms",
            median(base) * 1000,
            "bare WeasyPrint + bare pyHanko, same HTML",
            TARGET_RATIO,
            "ratio",
            "lower",
        )
    )
    report(
        Figure(
            NAME,
            "one signed bill PDF, p50",
            median(mine) * 1000,
            "ms",
            target=TARGET_P50_MS,
            note=f"p90 {percentile(mine, 90) * 1000:.0f} ms, load average {os.getloadavg()[0]:.1f}",
        )
    )
    report(
        Figure(
            NAME,
            "one signed bill PDF, p50 CPU time",
            median(cpu[WARMUP:]) * 1000,
            "ms",
            note="this process only: what the wall time is on an idle core",
        )
    )
    cached = [ours(numbers[-1]) for _ in range(10)]
    report(Figure(NAME, "the same bill again (cached)", median(cached) * 1000, "ms"))
    connection.set_schema_to_public()


def _batch(ward) -> None:
    from django.db import connection
    from weasyprint import HTML

    from backoffice.billing.models import BillRun
    from backoffice.billing.pdf import rendering
    from backoffice.billing.pdf.models import PrintBatch
    from backoffice.billing.pdf.services import print_batch_make, ward_bills
    from tenants.models import Municipality

    connection.set_tenant(Municipality.objects.get(domains__domain=HOST))
    run = BillRun.objects.get()
    head = rendering.letterhead_current()
    html = rendering.bills_html(list(ward_bills(run_id=run.pk, ward_id=ward.pk)), head=head)

    def bare() -> float:
        with stopwatch() as took:
            document = HTML(string=html, base_url="file:///").render()
            document.write_pdf()
        pages = len(document.pages)
        del document
        gc.collect()  # neither side pays for the other's pages
        return pages / took[0]

    def ours() -> float:
        PrintBatch.objects.filter(run=run, ward=ward).delete()
        batch = PrintBatch.objects.create(run=run, ward=ward)
        with stopwatch() as took:
            batch = print_batch_make(batch_id=batch.pk)
        if batch.state != PrintBatch.State.DONE or batch.bills_done != BATCH_BILLS:
            raise RuntimeError(f"batch {batch.state}: {batch.error}")
        gc.collect()
        return BATCH_BILLS / took[0]

    mine, base = [], []
    for number in range(1, BATCH_ROUNDS + 1):  # alternating which goes first
        if number % 2:
            base.append(bare())
            mine.append(ours())
        else:
            mine.append(ours())
            base.append(bare())
        say(
            f"batch round {number}: {BATCH_BILLS} pages, "
            f"bare {base[-1]:.1f}/s, ours {mine[-1]:.1f}/s"
        )
    report(
        Figure(
            NAME,
            f"ward print batch ({BATCH_BILLS} bills)",
            median(mine),
            "pages/s",
            median(base),
            "bare WeasyPrint, one multi-page document",
            TARGET_BATCH,
            "ratio",
            "higher",
        )
    )
    connection.set_schema_to_public()
