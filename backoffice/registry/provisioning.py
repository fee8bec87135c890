"""Provisioning step contributed by the registry: the BIN format."""

from backoffice.registry.models import RegistryConfig


def registry_config_step(municipality, *, request=None) -> None:
    prefix = "".join(ch for ch in municipality.code.upper() if ch.isalpha())[:3] + "-"
    RegistryConfig.objects.all().delete()
    RegistryConfig.objects.create(bin_prefix=prefix, bin_digits=7)
