"""Provisioning and demo steps: every municipality gets a demo revenue-chief
signing identity (its own CA and certificate) until an operator installs a
real one (``bill_signing_install``)."""

from backoffice.billing.pdf.signing import demo_identity_ensure


def signing_identity_step(municipality, *, request=None) -> None:
    """``IMIS_PROVISIONING_STEPS`` entry (inside the new schema)."""
    demo_identity_ensure(municipality)


def signing_identity_demo_step(municipality, *, scale=None) -> None:
    """``IMIS_DEMO_STEPS`` entry: demo municipalities made before this step
    existed get their identity too (idempotent)."""
    demo_identity_ensure(municipality)
