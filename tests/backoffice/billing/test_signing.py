"""Signing identities: a demo one per municipality from provisioning, an
operator installs a real one (PKCS#12 or PEM) with a management command,
the key is loaded once per process and schema, and the certificate to trust
is printed for validators."""

import io

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from django.core.management import call_command
from django.core.management.base import CommandError
from django_tenants.utils import schema_context

from backoffice.billing.pdf import signing
from backoffice.billing.pdf.models import SigningIdentity


def test_every_municipality_has_its_own_demo_identity(tenant_a, tenant_b):
    subjects = {}
    for tenant in (tenant_a, tenant_b):
        with schema_context(tenant.schema_name):
            identity = SigningIdentity.objects.get(active=True)
            assert identity.source == SigningIdentity.Source.DEMO
            assert identity.chain_pem.count("BEGIN CERTIFICATE") == 1  # its own CA
            subjects[tenant.code] = (identity.subject, identity.fingerprint)
    assert "Khulna City Corporation" in subjects["khulna"][0]
    assert "Jashore Paurashava" in subjects["jashore"][0]
    assert subjects["khulna"][1] != subjects["jashore"][1]


def test_the_key_is_loaded_once_per_schema(tenant_a, tenant_b):
    signing.signers_forget()
    with schema_context(tenant_a.schema_name):
        first = signing.signer_current()
        assert signing.signer_current() is first
    with schema_context(tenant_b.schema_name):
        other = signing.signer_current()
    assert other is not first and other.schema == tenant_b.schema_name


def test_install_a_pkcs12_file(tenant_a, tmp_path, monkeypatch):
    material = signing.demo_material_make(name_en="Khulna Real Chief")
    p12 = tmp_path / "chief.p12"
    p12.write_bytes(
        pkcs12.serialize_key_and_certificates(
            b"chief",
            material.key,
            material.certificate,
            list(material.chain),
            serialization.BestAvailableEncryption(b"s3cret"),
        )
    )
    monkeypatch.setenv("IMIS_SIGNING_PASSWORD", "s3cret")
    out = io.StringIO()
    with schema_context(tenant_a.schema_name):
        old = signing.signer_current()
        call_command("bill_signing_install", p12=str(p12), stdout=out)
        identity = SigningIdentity.objects.get(active=True)
        assert identity.source == SigningIdentity.Source.INSTALLED
        assert identity.fingerprint == signing.fingerprint(material.certificate)
        assert SigningIdentity.objects.count() == 2  # the demo one is kept, inactive
        assert signing.signer_current().fingerprint == identity.fingerprint != old.fingerprint
        printed = io.StringIO()
        call_command("bill_signing_certificate", stdout=printed)
        assert printed.getvalue() == signing.trust_anchor_pem(identity)
    assert "Khulna Real Chief" in out.getvalue()
    monkeypatch.setenv("IMIS_SIGNING_PASSWORD", "wrong")
    with schema_context(tenant_a.schema_name), pytest.raises(CommandError):
        call_command("bill_signing_install", p12=str(p12))


def test_install_pem_files_and_refuse_a_key_of_another_certificate(tenant_b, tmp_path):
    material = signing.demo_material_make(name_en="Jashore Real Chief")
    other = signing.demo_material_make(name_en="Someone Else")
    key = tmp_path / "chief.key"
    key.write_bytes(
        material.key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    cert = tmp_path / "chief.pem"
    cert.write_bytes(material.certificate.public_bytes(serialization.Encoding.PEM))
    chain = tmp_path / "ca.pem"
    chain.write_bytes(material.chain[0].public_bytes(serialization.Encoding.PEM))
    wrong = tmp_path / "other.pem"
    wrong.write_bytes(other.certificate.public_bytes(serialization.Encoding.PEM))
    with schema_context(tenant_b.schema_name):
        with pytest.raises(CommandError, match="does not belong"):
            call_command("bill_signing_install", key=str(key), cert=str(wrong))
        assert SigningIdentity.objects.get(active=True).source == SigningIdentity.Source.DEMO
        call_command(
            "bill_signing_install",
            key=str(key),
            cert=str(cert),
            chain=str(chain),
            stdout=io.StringIO(),
        )
        identity = SigningIdentity.objects.get(active=True)
        assert identity.subject.startswith("CN=Revenue Chief\\, Jashore Real Chief")
        assert signing.trust_anchor_pem(identity) == chain.read_text()
