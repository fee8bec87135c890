"""A step of the synthetic city generator (``settings.IMIS_SYNTHETIC_STEPS``,
listed last): the generator writes with COPY, past the models' signals, so
this retires every layer's cached tiles once the city is committed."""

from maps.cache import layer_changed
from maps.registry import layer_list


def tiles_retire_step(gen) -> None:
    for layer in layer_list():
        layer_changed(layer.slug)
