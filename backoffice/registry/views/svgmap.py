"""Small maps as inline SVG, projected from lon/lat on the server: no tiles,
no CDN, no map library, a few kilobytes for a cheap phone.

The projection is equirectangular around the view's centre (x scaled by
cos(latitude)), which is exact enough at the scale of a few streets.  The
footprint editor (static/registry/footprint-editor.js) reads the same
numbers from the ``<svg>``'s data attributes to turn a drag back into lon/lat."""

import math
from dataclasses import dataclass

from django.contrib.gis.geos import GEOSGeometry, Polygon

MIN_SPAN = 0.0006  # degrees (about 60 m): a small house still gets some context
EDITOR_MIN_SPAN = 0.0003  # the editor starts closer: corners a finger apart


@dataclass(frozen=True)
class MapView:
    lon0: float
    lat0: float
    scale: float  # SVG units per degree of latitude
    width: int = 320
    height: int = 240

    @property
    def kx(self) -> float:
        return math.cos(math.radians(self.lat0))

    @property
    def extent(self) -> tuple[float, float, float, float]:
        half_w = self.width / 2 / (self.scale * self.kx)
        half_h = self.height / 2 / self.scale
        return (self.lon0 - half_w, self.lat0 - half_h, self.lon0 + half_w, self.lat0 + half_h)

    def xy(self, lon: float, lat: float) -> tuple[float, float]:
        return (
            (lon - self.lon0) * self.kx * self.scale + self.width / 2,
            (self.lat0 - lat) * self.scale + self.height / 2,
        )

    def scale_bar(self) -> tuple[int, float]:
        """(metres, length in SVG units) of a round-numbered scale bar."""
        units_per_metre = self.scale / 111_320
        for metres in (2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000):
            if metres * units_per_metre >= self.width / 8:
                return metres, metres * units_per_metre
        return 10000, 10000 * units_per_metre

    def path(self, geometry: GEOSGeometry | None) -> str:
        """An SVG path (even-odd fill) for a polygon or multipolygon."""
        if geometry is None or geometry.empty:
            return ""
        polygons = [geometry] if isinstance(geometry, Polygon) else list(geometry)
        parts = []
        for polygon in polygons:
            if not isinstance(polygon, Polygon):
                continue
            for ring in polygon:
                points = [self.xy(lon, lat) for lon, lat, *_ in ring.coords[:-1]]
                if points:
                    parts.append("M" + "L".join(f"{x:.1f},{y:.1f}" for x, y in points) + "Z")
        return "".join(parts)


def map_view_fit(
    extent: tuple[float, float, float, float],
    *,
    width: int = 320,
    height: int = 240,
    min_span: float = MIN_SPAN,
) -> MapView:
    """A view showing ``extent`` (lon/lat) with a margin around it."""
    x0, y0, x1, y1 = extent
    lon0, lat0 = (x0 + x1) / 2, (y0 + y1) / 2
    kx = math.cos(math.radians(lat0))
    span_x = max((x1 - x0) * kx * 1.6, min_span)
    span_y = max((y1 - y0) * 1.6, min_span)
    scale = min(width / span_x, height / span_y)
    return MapView(lon0=lon0, lat0=lat0, scale=scale, width=width, height=height)


def area_m2(geometry: GEOSGeometry | None) -> float | None:
    """Area in square metres, measured in the footprint's UTM zone."""
    if geometry is None or geometry.empty:
        return None
    geometry = geometry.clone()
    if geometry.srid is None:
        geometry.srid = 4326
    centre = geometry.centroid
    if geometry.srid != 4326:
        centre.transform(4326)
    zone = int((centre.x + 180) // 6) + 1
    epsg = (32600 if centre.y >= 0 else 32700) + zone
    geometry.transform(epsg)
    return geometry.area


def wkt_area_m2(wkt: str | None) -> float | None:
    if not wkt:
        return None
    try:
        return area_m2(GEOSGeometry(wkt, srid=4326))
    except (ValueError, TypeError):
        return None
