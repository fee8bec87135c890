"""The municipality's revenue-chief signature on bills (PAdES, pyHanko).

* Each municipality (schema) has one active :class:`SigningIdentity`.  For
  the demo one is generated at provisioning: a per-municipality CA (EC P-256)
  and a revenue-chief certificate it issued; an operator installs a real one
  with ``manage.py tenant_command bill_signing_install`` (PKCS#12 or PEM).
* The private key is stored encrypted (PKCS#8) with a passphrase derived from
  ``SECRET_KEY`` (``SECRET_KEY_FALLBACKS`` are tried when reading, so a key
  rotation does not lose it) and the schema name: a copy of one schema's rows
  in another schema cannot be decrypted there.
* The key is loaded once per process and cached per schema (and certificate
  fingerprint, so an installed replacement takes over at once); loading and
  re-reading the key on every signature cost 7x the signature itself.

See docs/adr/0007-bill-signing.md."""

import asyncio
import concurrent.futures
import datetime
import hmac
import io
import threading
from dataclasses import dataclass

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from backoffice.billing.pdf.models import SigningIdentity
from tenants.audit.services import audit_event_record

# The signature's CMS container is reserved up front (no dry run): an EC
# signature with the certificate and its CA fits in well under 8 KiB.
BYTES_RESERVED = 8192
FIELD_NAME = "RevenueChiefSignature"


class SigningUnavailable(Exception):
    """This municipality has no active signing identity."""


# --- Key storage -------------------------------------------------------------


def _passphrase(schema: str, secret: str) -> bytes:
    digest = hmac.new(secret.encode(), b"imis-bill-signing-key:" + schema.encode(), "sha256")
    return digest.hexdigest().encode()


def key_encrypt(key, *, schema: str) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(_passphrase(schema, settings.SECRET_KEY)),
    ).decode()


def key_decrypt(pem: str, *, schema: str):
    for secret in (settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", ())):
        try:
            return serialization.load_pem_private_key(
                pem.encode(), password=_passphrase(schema, secret)
            )
        except ValueError:
            continue
    raise SigningUnavailable("the signing key cannot be decrypted with this SECRET_KEY")


def fingerprint(cert: x509.Certificate) -> str:
    return cert.fingerprint(hashes.SHA256()).hex()


def _pem(cert: x509.Certificate) -> str:
    return cert.public_bytes(serialization.Encoding.PEM).decode()


# --- Certificates ------------------------------------------------------------


@dataclass(frozen=True)
class Material:
    key: object  # cryptography private key
    certificate: x509.Certificate
    chain: tuple[x509.Certificate, ...]  # issuers, nearest first, root last


def _name(common_name: str, organisation: str, unit: str = "") -> x509.Name:
    parts = [
        x509.NameAttribute(NameOID.COUNTRY_NAME, "BD"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation[:64]),
    ]
    if unit:
        parts.append(x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, unit))
    parts.append(x509.NameAttribute(NameOID.COMMON_NAME, common_name[:64]))
    return x509.Name(parts)


def demo_material_make(*, name_en: str, now: datetime.datetime | None = None) -> Material:
    """A demo CA for the municipality and a revenue-chief certificate it
    issued (both EC P-256).  The CA's key is thrown away: it signs nothing else."""
    now = now or timezone.now()
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = _name(f"{name_en} bill signing CA (demo)", name_en)
    ca_ski = x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key())
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(ca_ski, critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(f"Revenue Chief, {name_en}", name_en, "Revenue"))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=3 * 365))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski),
            critical=False,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    return Material(key=key, certificate=cert, chain=(ca,))


def material_from_pkcs12(data: bytes, password: bytes | None) -> Material:
    try:
        key, cert, extra = pkcs12.load_key_and_certificates(data, password)
    except ValueError as exc:
        message = _("The PKCS#12 file cannot be read: %(e)s")
        raise ValidationError(message, params={"e": exc}) from exc
    if key is None or cert is None:
        raise ValidationError(_("The PKCS#12 file must hold a private key and its certificate."))
    return Material(key=key, certificate=cert, chain=tuple(extra or ()))


def material_from_pem(
    *, key_pem: bytes, cert_pem: bytes, chain_pem: bytes = b"", password: bytes | None = None
) -> Material:
    try:
        key = serialization.load_pem_private_key(key_pem, password=password)
        certs = x509.load_pem_x509_certificates(cert_pem)
        chain = x509.load_pem_x509_certificates(chain_pem) if chain_pem.strip() else []
    except ValueError as exc:
        raise ValidationError(_("The PEM files cannot be read: %(e)s"), params={"e": exc}) from exc
    # A certificate file may carry its chain after the certificate itself.
    return Material(key=key, certificate=certs[0], chain=tuple(certs[1:]) + tuple(chain))


def _public_der(key) -> bytes:
    return key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


@transaction.atomic
def signing_identity_install(
    *, actor, material: Material, source: str = SigningIdentity.Source.INSTALLED
) -> SigningIdentity:
    """Make ``material`` this municipality's active signing identity (the
    previous one is kept, inactive: bills it signed still name it)."""
    key, cert = material.key, material.certificate
    if not isinstance(key, ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey):
        raise ValidationError(_("Only EC and RSA signing keys are supported."))
    if _public_der(key.public_key()) != _public_der(cert.public_key()):
        raise ValidationError(_("The private key does not belong to the certificate."))
    now = timezone.now()
    if cert.not_valid_after_utc <= now:
        raise ValidationError(_("The certificate has expired."))
    schema = connection.schema_name
    SigningIdentity.objects.select_for_update().filter(active=True).update(active=False)
    identity = SigningIdentity(
        source=source,
        subject=cert.subject.rfc4514_string()[:300],
        fingerprint=fingerprint(cert),
        certificate_pem=_pem(cert),
        chain_pem="".join(_pem(c) for c in material.chain),
        key_encrypted_pem=key_encrypt(key, schema=schema),
        not_before=cert.not_valid_before_utc,
        not_after=cert.not_valid_after_utc,
        active=True,
    )
    identity.full_clean()
    identity.save()
    audit_event_record(
        actor=actor,
        action="billing.signing_identity_installed",
        obj=identity,
        data={"subject": identity.subject, "fingerprint": identity.fingerprint, "source": source},
    )
    return identity


def signing_identity_active() -> SigningIdentity | None:
    return SigningIdentity.objects.filter(active=True).first()


def demo_identity_ensure(municipality) -> SigningIdentity:
    """The active identity, or a new demo one (idempotent)."""
    identity = signing_identity_active()
    if identity is not None:
        return identity
    material = demo_material_make(name_en=municipality.name_en)
    return signing_identity_install(
        actor=None, material=material, source=SigningIdentity.Source.DEMO
    )


def _chain_of(identity: SigningIdentity) -> list[x509.Certificate]:
    if not identity.chain_pem.strip():
        return []
    return x509.load_pem_x509_certificates(identity.chain_pem.encode())


def trust_anchor_pem(identity: SigningIdentity) -> str:
    """What a validator must trust: the chain's root, or the certificate
    itself when it is self-signed."""
    chain = _chain_of(identity)
    return _pem(chain[-1]) if chain else identity.certificate_pem


# --- Signing -----------------------------------------------------------------


@dataclass(frozen=True)
class LoadedSigner:
    schema: str
    fingerprint: str
    subject: str
    signer: object  # pyhanko SimpleSigner


_SIGNERS: dict[tuple[str, str], LoadedSigner] = {}
_LOCK = threading.Lock()


def _signer_load(identity: SigningIdentity, schema: str) -> LoadedSigner:
    from pyhanko.sign.signers import SimpleSigner
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    key = key_decrypt(identity.key_encrypted_pem, schema=schema)
    der_key = key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    cert = x509.load_pem_x509_certificate(identity.certificate_pem.encode())
    der = serialization.Encoding.DER
    asn1_chain = [asn1_x509.Certificate.load(c.public_bytes(der)) for c in _chain_of(identity)]
    signer = SimpleSigner(
        signing_cert=asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER)),
        signing_key=asn1_keys.PrivateKeyInfo.load(der_key),
        cert_registry=SimpleCertificateStore.from_certs(asn1_chain),
    )
    return LoadedSigner(schema, identity.fingerprint, identity.subject, signer)


def signer_current() -> LoadedSigner:
    """This schema's signer, from the process cache (one small query checks
    which certificate is active)."""
    schema = connection.schema_name
    row = SigningIdentity.objects.filter(active=True).values_list("pk", "fingerprint").first()
    if row is None:
        raise SigningUnavailable(f"no active signing identity in {schema}")
    cache_key = (schema, row[1])
    loaded = _SIGNERS.get(cache_key)
    if loaded is None:
        with _LOCK:
            loaded = _SIGNERS.get(cache_key)
            if loaded is None:
                loaded = _signer_load(SigningIdentity.objects.get(pk=row[0]), schema)
                _SIGNERS[cache_key] = loaded
    return loaded


def signers_forget() -> None:
    """Drop the process cache (tests, and after installing in a shell)."""
    _SIGNERS.clear()


def pdf_sign(pdf: bytes, *, loaded: LoadedSigner, reason: str, location: str) -> bytes:
    """``pdf`` with a PAdES signature (one incremental update) by ``loaded``."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    if loaded.schema != connection.schema_name:  # never another municipality's key
        raise SigningUnavailable("signer of another schema")
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    meta = signers.PdfSignatureMetadata(
        field_name=FIELD_NAME,
        subfilter=fields.SigSeedSubFilter.PADES,
        md_algorithm="sha256",
        reason=reason,
        location=location,
    )
    out = io.BytesIO()
    signer = signers.PdfSigner(meta, signer=loaded.signer)
    if _event_loop_running():
        # pyHanko's sign_pdf runs its coroutine with asyncio.run(), which
        # refuses to start inside a thread whose event loop is running (an
        # async caller, or Playwright's sync API in the test process): sign
        # on a thread of its own there.
        with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
            pool.submit(signer.sign_pdf, writer, bytes_reserved=BYTES_RESERVED, output=out).result()
    else:
        signer.sign_pdf(writer, bytes_reserved=BYTES_RESERVED, output=out)
    return out.getvalue()


def _event_loop_running() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True
