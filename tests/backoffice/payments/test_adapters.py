"""Pure protocol checks: SSLCommerz's verify_sign as the adapter computes it
matches what the simulator signs, and any changed field breaks it."""

from backoffice.payments import simulator
from backoffice.payments.adapters.sslcommerz import SslCommerzAdapter, verify_sign_of


def _signed() -> tuple[SslCommerzAdapter, dict]:
    state = simulator.State("store", "secret", "m", "k")
    session = {
        "tran_id": "IMIS1",
        "status": "VALID",
        "val_id": "V1",
        "paid_amount": "100.00",
        "currency": "BDT",
        "bank_tran_id": "B1",
        "tran_date": "2026-11-30 10:00:00",
    }
    fields = simulator.sslcommerz_ipn_fields(state, session)
    adapter = SslCommerzAdapter(
        base_url="http://127.0.0.1:1", store_id="store", store_password="secret", timeout=1
    )
    return adapter, fields


def test_verify_sign_matches_the_gateway_scheme():
    adapter, fields = _signed()
    assert adapter.sign_ok(fields)
    assert fields["verify_sign"] == verify_sign_of(fields, "secret")


def test_a_changed_field_or_another_password_breaks_the_sign():
    adapter, fields = _signed()
    assert not adapter.sign_ok({**fields, "amount": "1.00"})
    assert not adapter.sign_ok({**fields, "verify_sign": ""})
    other = SslCommerzAdapter(
        base_url="http://127.0.0.1:1", store_id="store", store_password="other", timeout=1
    )
    assert not other.sign_ok(fields)


def test_verdicts_of_the_validation_answers():
    verdict = SslCommerzAdapter._verdict(
        {
            "status": "VALIDATED",
            "tran_id": "T",
            "amount": "10.5",
            "currency": "BDT",
            "bank_tran_id": "B",
            "risk_level": "1",
        }
    )
    assert (verdict.status, str(verdict.amount), verdict.risk_level) == ("paid", "10.50", 1)
    assert SslCommerzAdapter._verdict({"status": "INVALID_TRANSACTION"}).status == "invalid"
    assert SslCommerzAdapter._verdict({"status": "CANCELLED"}).status == "cancelled"
