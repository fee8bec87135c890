"""Signing works when the calling thread runs an event loop (an async
caller; Playwright's sync API in the test process): pyHanko's asyncio.run()
would refuse, so the signature is then made on a thread of its own."""

import asyncio

import pytest
from django_tenants.utils import schema_context

from backoffice.billing.pdf import rendering, signing
from tests.backoffice.billing.pdf_support import pdfsig

pytestmark = pytest.mark.django_db


def test_a_running_event_loop_is_noticed():
    async def inside() -> bool:
        return signing._event_loop_running()

    assert asyncio.run(inside()) is True
    assert signing._event_loop_running() is False


def test_with_a_loop_running_the_pdf_is_signed_on_its_own_thread(tenant_a, monkeypatch):
    monkeypatch.setattr(signing, "_event_loop_running", lambda: True)
    with schema_context(tenant_a.schema_name):
        identity = signing.demo_identity_ensure(tenant_a)
        pdf = rendering.html_to_pdf("<p>Signed beside a loop</p>")
        signed = signing.pdf_sign(
            pdf, loaded=signing.signer_current(), reason="test", location="Khulna"
        )
        anchor = signing.trust_anchor_pem(identity)
    assert "Signature is Valid." in pdfsig(signed, [anchor])
