"""Layer registry: each domain registers its layers from its own ``layers.py``.

Filled by the map issue; present now so domains have one place to register.
"""

from dataclasses import dataclass

_LAYERS: dict[str, "Layer"] = {}


@dataclass(frozen=True)
class Layer:
    slug: str
    title: str
    roles: tuple[str, ...]


def layer_register(layer: Layer) -> None:
    if layer.slug in _LAYERS:
        raise ValueError(f"layer {layer.slug!r} is registered twice")
    _LAYERS[layer.slug] = layer


def layer_list() -> list[Layer]:
    return list(_LAYERS.values())
