"""From the city's local metres to EPSG:4326, and geometries as hex EWKB
(what PostGIS parses fastest from COPY text)."""

import math
import struct
from collections.abc import Sequence

SRID = 4326
_SRID_FLAG = 0x20000000
_MULTIPOINT, _LINESTRING, _POLYGON = 4, 2, 3
_POINT, _MULTILINESTRING, _MULTIPOLYGON = 1, 5, 6
M_PER_DEG_LAT = 110_574.0
M_PER_DEG_LON_EQUATOR = 111_320.0


class Frame:
    """Local metres (x east, y north, origin at the city's south-west corner)
    rotated by ``angle`` degrees about the city's middle and placed on
    (lon, lat).  An affine map, so shapes that do not overlap in metres do
    not overlap in degrees either."""

    def __init__(self, *, lon: float, lat: float, width: float, height: float, angle: float):
        cos_a, sin_a = math.cos(math.radians(angle)), math.sin(math.radians(angle))
        kx = 1.0 / (M_PER_DEG_LON_EQUATOR * math.cos(math.radians(lat)))
        ky = 1.0 / M_PER_DEG_LAT
        cx, cy = width / 2, height / 2
        # lon = a*x + b*y + c ; lat = d*x + e*y + f
        self.a, self.b = cos_a * kx, -sin_a * kx
        self.d, self.e = sin_a * ky, cos_a * ky
        self.c = lon - (self.a * cx + self.b * cy)
        self.f = lat - (self.d * cx + self.e * cy)

    def point(self, x: float, y: float) -> tuple[float, float]:
        return (self.a * x + self.b * y + self.c, self.d * x + self.e * y + self.f)

    def flat(self, ring: Sequence[float]) -> list[float]:
        """[x0, y0, x1, y1, ...] in metres -> the same in degrees."""
        a, b, c, d, e, f = self.a, self.b, self.c, self.d, self.e, self.f
        out = []
        for i in range(0, len(ring), 2):
            x, y = ring[i], ring[i + 1]
            out.append(a * x + b * y + c)
            out.append(d * x + e * y + f)
        return out


def multipolygon_hex(rings: Sequence[Sequence[float]]) -> str:
    """A MultiPolygon of one-ring polygons; each ring flat [x, y, ...] and closed."""
    parts = [struct.pack("<BIII", 1, _MULTIPOLYGON | _SRID_FLAG, SRID, len(rings))]
    for ring in rings:
        n = len(ring) // 2
        parts.append(struct.pack(f"<BIII{len(ring)}d", 1, _POLYGON, 1, n, *ring))
    return b"".join(parts).hex()


def polygon1_hex(ring: Sequence[float]) -> str:
    """The common case of :func:`multipolygon_hex`: one polygon, one pack."""
    n = len(ring) // 2
    return struct.pack(
        f"<BIIIBIII{len(ring)}d", 1, _MULTIPOLYGON | _SRID_FLAG, SRID, 1, 1, _POLYGON, 1, n, *ring
    ).hex()


def multilinestring_hex(lines: Sequence[Sequence[float]]) -> str:
    parts = [struct.pack("<BIII", 1, _MULTILINESTRING | _SRID_FLAG, SRID, len(lines))]
    for line in lines:
        parts.append(struct.pack(f"<BII{len(line)}d", 1, _LINESTRING, len(line) // 2, *line))
    return b"".join(parts).hex()


def point_hex(lon: float, lat: float) -> str:
    return struct.pack("<BIIdd", 1, _POINT | _SRID_FLAG, SRID, lon, lat).hex()
