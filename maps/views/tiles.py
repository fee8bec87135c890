"""``/tiles/<layer>/<z>/<x>/<y>.mvt``: a layer's vector tile for the signed-in
user (session or API token), with only the attributes their roles may read."""

import hashlib

from django.http import Http404, HttpResponse
from django.utils import timezone
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


@require_GET
def tile(request, layer: str, z: int, x: int, y: int):
    use_cache = cache.tile_cache_seconds() > 0
    version_key = cache.version_key(layer)
    roles, prefetched = request_roles(request, prefetch=(version_key,) if use_cache else ())
    if isinstance(roles, HttpResponse):
        return roles
    found = registry.layer_for_roles(roles, layer, request.tenant)
    if found is None or not tiles.tile_valid(z, x, y):
        raise Http404
    if not tiles.tile_in_zoom(found, z):
        return _response(request, b"", "")
    attributes = registry.tile_attributes_for_roles(found, roles, z)
    day = timezone.localdate().isoformat() if found.daily else ""
    key = ""
    if use_cache:
        version = cache.layer_version(found.slug, prefetched.get(version_key))
        key = cache.tile_key(found.slug, version, registry.audience_key(attributes), z, x, y, day)
        hit = cache.tile_get(key)
        if hit is not None:
            return _response(request, *hit)
    content = tiles.tile_render(found, attributes, z, x, y)
    etag = '"' + hashlib.blake2s(content, digest_size=12).hexdigest() + '"' if content else ""
    if use_cache:
        cache.tile_set(key, content, etag)
    return _response(request, content, etag)
