"""The plan of a synthetic city in local metres: no database, no Django.

A grid of blocks between roads (x east, y north, origin at the south-west
corner).  Every grid line is a road centre line: lanes, every fifth a
secondary road, a main road through the middle and every fifteenth.  A
block holds two rows of plots back to back, each row facing its road; a
building stands inside its plot with setbacks, so no two footprints touch.
Wards are rectangles of whole blocks whose edges run along road centre
lines, so they tile the city and every building lies inside its ward.
Ponds take the place of a few plots; the river runs east of the city.
Some clusters of blocks are low-income settlements: narrow plots, small
sheds.  Everything here comes from one seeded ``random.Random``."""

import math
import random
from dataclasses import dataclass, field

from backoffice.registry.synthetic import names
from backoffice.registry.synthetic.scales import Scale

MAIN, SECONDARY, LANE, FOOTPATH = "main", "secondary", "lane", "footpath"
ROAD_WIDTH = {MAIN: (18.0, 24.0), SECONDARY: (9.0, 12.0), LANE: (3.5, 6.0), FOOTPATH: (1.5, 2.5)}
VERGE = {MAIN: 3.0, SECONDARY: 2.0, LANE: 1.0, FOOTPATH: 0.5}
CODE_PREFIX = {MAIN: "RD-M", SECONDARY: "RD-S", LANE: "RD-L", FOOTPATH: "RD-F"}
BLOCK_LENGTH = (90.0, 140.0)
ROW_DEPTH = (18.0, 27.0)
PLOT_WIDTH = (7.0, 15.0)
SLUM_PLOT_WIDTH = (4.5, 7.0)
LARGE_PLOT_WIDTH = (24.0, 40.0)
PLOTS_PER_BLOCK = 21.0  # what the numbers above give, on average (measured)
VACANT_SHARE = 0.08  # plots left empty, at least
ASPECT = 0.52  # columns per row of blocks: a city about 1.25 times wider than tall
SECONDARY_EVERY, MAIN_EVERY = 5, 15
POND_SHARE, SLUM_SHARE, LARGE_SHARE, NOTCH_SHARE = 0.03, 0.07, 0.02, 0.15

# Flags of a building plan.
LOW_INCOME, MAJOR_FRONTAGE, LARGE = 1, 2, 4


@dataclass
class GridLine:
    pos: float
    road_class: str
    width: float

    @property
    def gap(self) -> float:
        return self.width + 2 * VERGE[self.road_class]


@dataclass
class WardPlan:
    number: int
    name_en: str
    name_bn: str
    rect: tuple[float, float, float, float]  # x0, y0, x1, y1


@dataclass
class RoadPlan:
    code: str
    name_en: str
    name_bn: str
    road_class: str
    width: float
    line: list[float]  # x0, y0, x1, y1


@dataclass
class DrainPlan:
    code: str
    kind: str
    road: int  # index into Layout.roads
    line: list[float]


@dataclass
class WaterPlan:
    name_en: str
    name_bn: str
    kind: str
    ring: list[float]  # closed


@dataclass
class Layout:
    width: float
    height: float
    angle: float
    rows: int
    cols: int
    wards: list[WardPlan] = field(default_factory=list)
    roads: list[RoadPlan] = field(default_factory=list)
    drains: list[DrainPlan] = field(default_factory=list)
    waters: list[WaterPlan] = field(default_factory=list)
    # One tuple per building, in BIN order (ward by ward, block by block):
    # (ward index, zone, plot number, road index, x0, y0, x1, y1, notch, nx, ny, flags).
    # ``notch`` 1-4 cuts an nx by ny corner (x0y0, x1y0, x1y1, x0y1) off the rectangle.
    buildings: list[tuple] = field(default_factory=list)
    blocks: int = 0
    plots: int = 0


def footprint_ring(x0, y0, x1, y1, notch, nx, ny) -> list[float]:
    """The building's outline, closed, counter-clockwise."""
    if notch == 0:
        return [x0, y0, x1, y0, x1, y1, x0, y1, x0, y0]
    if notch == 1:
        return [x0 + nx, y0, x1, y0, x1, y1, x0, y1, x0, y0 + ny, x0 + nx, y0 + ny, x0 + nx, y0]
    if notch == 2:
        return [x0, y0, x1 - nx, y0, x1 - nx, y0 + ny, x1, y0 + ny, x1, y1, x0, y1, x0, y0]
    if notch == 3:
        return [x0, y0, x1, y0, x1, y1 - ny, x1 - nx, y1 - ny, x1 - nx, y1, x0, y1, x0, y0]
    return [x0, y0, x1, y0, x1, y1, x0 + nx, y1, x0 + nx, y1 - ny, x0, y1 - ny, x0, y0]


def footprint_area(x0, y0, x1, y1, notch, nx, ny) -> float:
    return (x1 - x0) * (y1 - y0) - (nx * ny if notch else 0.0)


def _split(n: int, parts: int) -> list[int]:
    return [round(i * n / parts) for i in range(parts + 1)]


def _classes(count: int, rng: random.Random, *, footpaths: bool) -> list[str]:
    """Road classes of ``count + 1`` grid lines (the two edges are lanes)."""
    centre = count // 2
    out = []
    for k in range(count + 1):
        if 0 < k < count and (k == centre or k % MAIN_EVERY == 0):
            out.append(MAIN)
        elif 0 < k < count and k % SECONDARY_EVERY == 0:
            out.append(SECONDARY)
        elif footpaths and 0 < k < count and rng.random() < 0.08:
            out.append(FOOTPATH)
        else:
            out.append(LANE)
    return out


def _lines(sizes: list[float], classes: list[str], rng: random.Random) -> list[GridLine]:
    lines = [GridLine(0.0, c, round(rng.uniform(*ROAD_WIDTH[c]) * 2) / 2) for c in classes]
    for k, size in enumerate(sizes):
        lines[k + 1].pos = lines[k].pos + lines[k].gap / 2 + size + lines[k + 1].gap / 2
    return lines


def layout_make(scale: Scale, seed: int, river: names.Pair = names.DEFAULT_RIVER) -> Layout:
    """Exactly ``scale.buildings`` buildings; the same seed gives the same city."""
    blocks = math.ceil(scale.buildings / PLOTS_PER_BLOCK * (1 + VACANT_SHARE))
    rows = max(2, round(math.sqrt(blocks / ASPECT)))
    cols = max(2, math.ceil(blocks / rows))
    for attempt in range(20):
        rng = random.Random(f"{seed}:layout:{attempt}")  # noqa: S311 (synthetic data)
        layout = _attempt(scale, rng, rows, cols, river)
        if layout is not None:
            return layout
        rows += max(1, rows // 20)
    raise RuntimeError("could not lay out enough plots")  # pragma: no cover


def _attempt(scale, rng, rows, cols, river) -> Layout | None:
    v = _lines(
        [rng.uniform(*BLOCK_LENGTH) for _ in range(cols)], _classes(cols, rng, footpaths=True), rng
    )
    depth = [rng.uniform(*ROW_DEPTH) for _ in range(rows)]
    h = _lines([2 * d for d in depth], _classes(rows, rng, footpaths=False), rng)
    layout = Layout(
        width=v[-1].pos, height=h[-1].pos, angle=rng.uniform(8.0, 22.0), rows=rows, cols=cols
    )

    ward_of = _wards(layout, scale.wards, v, h)
    slum = _slums(rng, rows, cols)
    seg_h = _roads(layout, rng, v, h, ward_of)
    _drains(layout, rng)
    ponds = _ponds(rng, rows, cols, slum)

    plots: list[tuple] = []
    zones = [0] * len(layout.wards)
    order = sorted(
        ((ward_of[r][c], rows - 1 - r, c, r) for r in range(rows) for c in range(cols)),
    )
    for ward, _north, c, r in order:
        zones[ward] += 1
        zone = zones[ward]
        if zone > 999:
            return None  # more blocks than a three-digit zone: a bigger grid spreads them
        x0 = v[c].pos + v[c].gap / 2
        x1 = v[c + 1].pos - v[c + 1].gap / 2
        y0 = h[r].pos + h[r].gap / 2
        y1 = h[r + 1].pos - h[r + 1].gap / 2
        low = (r, c) in slum
        seq = 0
        # North row faces the road above (y1), south row the road below (y0).
        for side, road_line, front, back in (
            (1, r + 1, y1, y1 - depth[r]),
            (0, r, y0, y0 + depth[r]),
        ):
            road = seg_h[road_line][c]
            major = layout.roads[road].road_class in (MAIN, SECONDARY)
            pond = ponds.get((r, c, side))
            spans = [(x0, x1)]
            if pond is not None:
                px0 = x0 + pond[0] * (x1 - x0 - pond[1])
                px1 = px0 + pond[1]
                spans = [(x0, px0), (px1, x1)]
                _pond_add(layout, rng, px0, px1, front, back)
            for sx0, sx1 in spans:
                for px0, px1, large in _plots(rng, sx0, sx1, low):
                    seq += 1
                    flags = (LOW_INCOME if low else 0) | (MAJOR_FRONTAGE if major else 0)
                    flags |= LARGE if large else 0
                    plots.append(
                        (ward, zone, seq, road)
                        + _building(rng, px0, px1, front, back, low, large)
                        + (flags,)
                    )
    vacant_count = len(plots) - scale.buildings
    if vacant_count < 0:
        return None
    vacant = set(rng.sample(range(len(plots)), vacant_count))
    layout.buildings = [p for i, p in enumerate(plots) if i not in vacant]
    layout.blocks, layout.plots = rows * cols, len(plots)
    _river_add(layout, rng, river)
    return layout


def _wards(layout: Layout, count: int, v: list[GridLine], h: list[GridLine]) -> list[list[int]]:
    """Bands of block rows from north to south, each cut into wards west to
    east; returns the ward index of every block [row][col]."""
    rows, cols = layout.rows, layout.cols
    bands = max(1, min(count, rows, round(math.sqrt(count * layout.height / layout.width))))
    per_band = [count // bands + (1 if b < count % bands else 0) for b in range(bands)]
    if max(per_band) > cols:
        raise ValueError(f"{count} wards do not fit a {rows} x {cols} grid of blocks")
    ward_of = [[0] * cols for _ in range(rows)]
    row_cuts = _split(rows, bands)
    for b in range(bands):
        north0, north1 = row_cuts[b], row_cuts[b + 1]  # counted from the north
        r0, r1 = rows - north1, rows - north0
        col_cuts = _split(cols, per_band[b])
        for k in range(per_band[b]):
            c0, c1 = col_cuts[k], col_cuts[k + 1]
            index = len(layout.wards)
            number = index + 1
            if index < len(names.NEIGHBOURHOODS):
                name_en, name_bn = names.NEIGHBOURHOODS[index]
            else:
                name_en, name_bn = f"Ward {number}", f"ওয়ার্ড {names.bn_digits(number)}"
            layout.wards.append(
                WardPlan(number, name_en, name_bn, (v[c0].pos, h[r0].pos, v[c1].pos, h[r1].pos))
            )
            for r in range(r0, r1):
                for c in range(c0, c1):
                    ward_of[r][c] = index
    return ward_of


def _slums(rng: random.Random, rows: int, cols: int) -> set[tuple[int, int]]:
    clusters = max(1, round(rows * cols * SLUM_SHARE / 5))
    out = set()
    for _ in range(clusters):
        r0, c0 = rng.randrange(rows), rng.randrange(cols)
        for r in range(max(0, r0 - 1), min(rows, r0 + 2)):
            for c in range(max(0, c0 - 1), min(cols, c0 + 2)):
                if (r, c) == (r0, c0) or rng.random() < 0.5:
                    out.add((r, c))
    return out


def _ponds(rng, rows, cols, slum) -> dict[tuple[int, int, int], tuple[float, float]]:
    """(row, col, side) -> (where along the row 0..1, width in metres)."""
    out = {}
    for r in range(rows):
        for c in range(cols):
            if (r, c) not in slum and rng.random() < POND_SHARE:
                out[(r, c, rng.randrange(2))] = (rng.random(), rng.uniform(20.0, 40.0))
    if not out:  # every city has at least one pond
        r, c = rows // 2, cols // 2
        out[(r, c, 0)] = (0.5, 30.0)
    return out


def _pond_add(layout, rng, x0, x1, front, back) -> None:
    lo, hi = min(front, back), max(front, back)
    cx, cy = (x0 + x1) / 2, (lo + hi) / 2
    rx, ry = (x1 - x0) / 2 - 2.0, (hi - lo) / 2 - 2.0
    ring = []
    for k in range(16):
        t = 2 * math.pi * k / 16
        f = rng.uniform(0.8, 1.0)
        ring += [cx + rx * f * math.cos(t), cy + ry * f * math.sin(t)]
    ring += ring[:2]
    name_en, name_bn = "", ""
    if rng.random() < 0.3:
        family_en, family_bn = rng.choice(names.MUSLIM_MALE_FAMILY + names.HINDU_FAMILY)
        name_en, name_bn = f"{family_en} Pukur", f"{family_bn} পুকুর"
    layout.waters.append(WaterPlan(name_en, name_bn, "pond", ring))


def _plots(rng, x0, x1, low) -> list[tuple[float, float, bool]]:
    """Cut [x0, x1] into plot frontages."""
    out: list[list] = []
    x = x0
    widths = SLUM_PLOT_WIDTH if low else PLOT_WIDTH
    while True:
        large = not low and rng.random() < LARGE_SHARE
        w = rng.uniform(*(LARGE_PLOT_WIDTH if large else widths))
        if large and x + w > x1:
            large, w = False, rng.uniform(*widths)
        if x + w > x1:
            if out and x1 - x < widths[0]:
                out[-1][1] = x1  # the last plot takes the remainder
            elif x1 - x >= widths[0]:
                out.append([x, x1, False])
            break
        out.append([x, x + w, large])
        x += w
    return [tuple(p) for p in out]


def _building(rng, px0, px1, front, back, low, large) -> tuple:
    """A footprint inside the plot: setbacks on every side, sometimes an L."""
    gap = (0.3, 0.6) if low else (0.4, 1.2)
    bx0, bx1 = px0 + rng.uniform(*gap), px1 - rng.uniform(*gap)
    plot_depth = abs(back - front)
    setback = rng.uniform(0.5, 3.0) if not low else rng.uniform(0.3, 1.0)
    room = plot_depth - setback - 0.8
    if large:
        depth = room
    elif low:
        depth = min(room, rng.uniform(5.0, 11.0))
    else:
        depth = min(room, rng.uniform(8.0, 20.0))
    inward = 1 if back > front else -1
    ya, yb = front + inward * setback, front + inward * (setback + depth)
    y0, y1 = min(ya, yb), max(ya, yb)
    notch, nx, ny = 0, 0.0, 0.0
    if not low and bx1 - bx0 >= 8 and depth >= 9 and rng.random() < NOTCH_SHARE:
        nx = (bx1 - bx0) * rng.uniform(0.3, 0.5)
        ny = depth * rng.uniform(0.3, 0.5)
        # Cut a back corner (away from the road).
        notch = (
            (3 if rng.random() < 0.5 else 4) if inward == 1 else (1 if rng.random() < 0.5 else 2)
        )
    return (bx0, y0, bx1, y1, notch, nx, ny)


def _roads(layout, rng, v, h, ward_of) -> list[list[int]]:
    """Road rows: main roads whole, secondary roads cut at main roads, lanes
    cut at every main or secondary crossing.  Returns, for every horizontal
    line and block column, the index of the road there."""
    counters = dict.fromkeys(CODE_PREFIX, 0)
    lanes_in_ward = [0] * len(layout.wards)
    main_names = list(names.MAIN_ROADS) + [
        (f"{en} Main Road", f"{bn} মেইন রোড") for en, bn in names.NEIGHBOURHOODS
    ]
    secondary_names = list(names.SECONDARY_ROADS) + [
        (f"{en} Road", f"{bn} সড়ক") for en, bn in names.NEIGHBOURHOODS
    ]
    used = {MAIN: 0, SECONDARY: 0}

    def line_name(road_class: str, index: int) -> tuple[str, str]:
        pool = main_names if road_class == MAIN else secondary_names
        k = used[road_class]
        used[road_class] += 1
        en, bn = pool[k % len(pool)]
        if k >= len(pool):
            en, bn = f"{en} {k // len(pool) + 1}", f"{bn} {names.bn_digits(k // len(pool) + 1)}"
        return en, bn

    def cuts(own: str, across: list[GridLine]) -> list[int]:
        n = len(across) - 1
        if own == MAIN:
            return [0, n]
        stops = (MAIN,) if own == SECONDARY else (MAIN, SECONDARY)
        return [0] + [k for k in range(1, n) if across[k].road_class in stops] + [n]

    def segments(lines, across, horizontal):
        table = []
        for i, line in enumerate(lines):
            row = [0] * (len(across) - 1)
            points = cuts(line.road_class, across)
            name = line_name(line.road_class, i) if line.road_class in (MAIN, SECONDARY) else None
            for a, b in zip(points, points[1:], strict=False):
                mid = (a + b) // 2
                if horizontal:
                    ward = ward_of[min(i, layout.rows - 1)][mid]
                    coords = [across[a].pos, line.pos, across[b].pos, line.pos]
                else:
                    ward = ward_of[mid][min(i, layout.cols - 1)]
                    coords = [line.pos, across[a].pos, line.pos, across[b].pos]
                if name is None:
                    lanes_in_ward[ward] += 1
                    k = lanes_in_ward[ward]
                    w = layout.wards[ward]
                    road_name = (f"{w.name_en} Lane {k}", f"{w.name_bn} লেন {names.bn_digits(k)}")
                else:
                    road_name = name
                counters[line.road_class] += 1
                code = f"{CODE_PREFIX[line.road_class]}-{counters[line.road_class]:05d}"
                layout.roads.append(RoadPlan(code, *road_name, line.road_class, line.width, coords))
                for k in range(a, b):
                    row[k] = len(layout.roads) - 1
            table.append(row)
        return table

    seg_h = segments(h, v, horizontal=True)
    segments(v, h, horizontal=False)
    return seg_h


def _drains(layout: Layout, rng: random.Random) -> None:
    """Drains beside roads: both sides of main and secondary roads, one side
    of most lanes, none along footpaths."""
    covered = {MAIN: 0.7, SECONDARY: 0.5, LANE: 0.3}
    for index, road in enumerate(layout.roads):
        if road.road_class == FOOTPATH:
            continue
        if road.road_class == LANE:
            sides = [rng.choice((-1, 1))] if rng.random() < 0.6 else []
        else:
            sides = [-1, 1]
        x0, y0, x1, y1 = road.line
        offset = road.width / 2 + 0.6
        for side in sides:
            if y0 == y1:
                line = [x0, y0 + side * offset, x1, y1 + side * offset]
            else:
                line = [x0 + side * offset, y0, x1 + side * offset, y1]
            kind = "covered" if rng.random() < covered[road.road_class] else "open"
            code = f"DR-{len(layout.drains) + 1:05d}"
            layout.drains.append(DrainPlan(code, kind, index, line))


def _river_add(layout: Layout, rng: random.Random, river: names.Pair) -> None:
    """A river 300-460 m wide whose west bank meanders 15-160 m east of the
    city's east edge, running 1 km past the city to the north and south."""
    east = layout.width
    p1, p2, p3 = (rng.uniform(0, 2 * math.pi) for _ in range(3))
    ys = []
    y = -1000.0
    while y < layout.height + 1000.0:
        ys.append(y)
        y += 60.0
    ys.append(layout.height + 1000.0)

    def west(y):
        return (
            east
            + 85
            + 50 * math.sin(2 * math.pi * y / 2200 + p1)
            + 20 * math.sin(2 * math.pi * y / 700 + p2)
        )

    def width(y):
        return 380 + 80 * math.sin(2 * math.pi * y / 3000 + p3)

    ring = []
    for y in ys:
        ring += [west(y), y]
    for y in reversed(ys):
        ring += [west(y) + width(y), y]
    ring += ring[:2]
    layout.waters.insert(0, WaterPlan(river[0], river[1], "river", ring))
