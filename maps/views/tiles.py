"""``/tiles/<layer>/<z>/<x>/<y>.mvt``: a layer's vector tile for the signed-in
user (session or API token), with only the attributes their roles may read."""

import hashlib

from django.conf import settings
from django.http import Http404, HttpResponse
from django.views.decorators.http import require_GET

from maps import cache, registry, tiles
from maps.access import request_roles

EMPTY_STATUS = 204


def _not_modified(request, etag: str) -> bool:
    header = request.headers.get("If-None-Match", "")
    return etag in {tag.strip() for tag in header.split(",")}


def _response(request, content: bytes, etag: str) -> HttpResponse:
    if not content:
        response = HttpResponse(status=EMPTY_STATUS)
    elif _not_modified(request, etag):
        response = HttpResponse(status=304)
    else:
        response = HttpResponse(content, content_type=tiles.MVT_CONTENT_TYPE)
    response["Cache-Control"] = "private, max-age=60"
    response["Vary"] = "Cookie, Authorization"
    if content:
        response["ETag"] = etag
    return response


def _tile_keys(slug: str, z: int, x: int, y: int) -> tuple[str, dict[str, str]]:
    """The layer version's key and the keys of the tile for each audience it
    can have (read with the caller's roles, before they are known)."""
    layer = registry.layer_get(slug)
    if layer is None or not tiles.tile_valid(z, x, y) or not tiles.tile_in_zoom(layer, z):
        return "", {}
    day = registry.layer_today().isoformat() if layer.daily else ""
    return cache.version_key(slug), {
        audience: cache.tile_key(slug, audience, z, x, y, day)
        for audience in registry.tile_audiences(layer, z)
    }


@require_GET
def tile(request, layer: str, z: int, x: int, y: int):
    use_cache = cache.tile_cache_seconds() > 0
    signed = settings.SESSION_COOKIE_NAME in request.COOKIES or "Authorization" in request.headers
    version_key, candidates = _tile_keys(layer, z, x, y) if use_cache and signed else ("", {})
    prefetch = (version_key, *candidates.values()) if version_key else ()
    # Nothing read here is used unless the caller may see the layer.
    roles, prefetched = request_roles(request, prefetch=prefetch)
    if isinstance(roles, HttpResponse):
        return roles
    found = registry.layer_for_roles(roles, layer, request.tenant)
    if found is None or not tiles.tile_valid(z, x, y):
        raise Http404
    if not tiles.tile_in_zoom(found, z):
        return _response(request, b"", "")
    attributes = registry.tile_attributes_for_roles(found, roles, z)
    audience = registry.audience_key(attributes)
    key = ""
    if use_cache:
        version = cache.layer_version(
            found.slug, prefetched.get(version_key) if version_key else None
        )
        key = candidates.get(audience)
        if key:
            hit = cache.tile_fresh(prefetched.get(key), version)
        else:
            day = registry.layer_today().isoformat() if found.daily else ""
            key = cache.tile_key(found.slug, audience, z, x, y, day)
            hit = cache.tile_get(key, version)
        if hit is not None:
            return _response(request, *hit)
    content = tiles.tile_render(found, attributes, z, x, y)
    etag = '"' + hashlib.blake2s(content, digest_size=12).hexdigest() + '"' if content else ""
    if use_cache:
        cache.tile_set(key, version, content, etag)
    return _response(request, content, etag)
