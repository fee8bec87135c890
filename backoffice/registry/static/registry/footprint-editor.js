/* A footprint editor in plain SVG: no library, no tiles, works with a finger.
 *
 * The server draws the context (neighbours, ward lines) already projected
 * and puts the projection on the <svg> (data-lon0, -lat0, -scale, -kx,
 * -width, -height; see backoffice/registry/views/svgmap.py).  This script
 * draws the footprint held as GeoJSON in the form's text field, lets the
 * officer drag corners, add a corner by dragging an edge's middle handle,
 * remove one by double-tapping it, or redraw the outline, and writes GeoJSON
 * (MultiPolygon, lon/lat) back into the field.  The server validates it. */
(function () {
  "use strict";
  var NS = "http://www.w3.org/2000/svg";

  function make(tag, attrs) {
    var node = document.createElementNS(NS, tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    return node;
  }

  function parse(text) {
    /* -> [polygon][ring][[lon, lat]] without closing points, or null */
    var data;
    try { data = JSON.parse(text); } catch (e) { return null; }
    if (data && data.type === "Feature") { data = data.geometry; }
    if (!data || !data.coordinates) { return null; }
    var polygons = data.type === "Polygon" ? [data.coordinates]
      : data.type === "MultiPolygon" ? data.coordinates : null;
    if (!polygons) { return null; }
    return polygons.map(function (polygon) {
      return polygon.map(function (ring) {
        var points = ring.map(function (p) { return [p[0], p[1]]; });
        var a = points[0], b = points[points.length - 1];
        if (points.length > 1 && a[0] === b[0] && a[1] === b[1]) { points.pop(); }
        return points;
      });
    });
  }

  function serialise(polygons) {
    return JSON.stringify({
      type: "MultiPolygon",
      coordinates: polygons.map(function (polygon) {
        return polygon.map(function (ring) { return ring.concat([ring[0]]); });
      })
    });
  }

  function init(root) {
    var svg = root.querySelector("svg");
    var field = document.getElementById(root.getAttribute("data-field"));
    if (!svg || !field) { return; }
    var d = svg.dataset;
    var lon0 = +d.lon0, lat0 = +d.lat0, scale = +d.scale, kx = +d.kx;
    var W = +d.width, H = +d.height;
    var view = { x: 0, y: 0, w: W, h: H };
    var initialText = field.value;
    var polygons = parse(field.value) || [];
    var sketch = null;  // corners tapped while redrawing
    var drag = null, pan = null, lastTap = null;
    var layer = make("g", { "class": "edit" });
    svg.appendChild(layer);
    var buttons = {};
    root.querySelectorAll("button[data-action]").forEach(function (b) {
      buttons[b.getAttribute("data-action")] = b;
    });

    function xy(p) { return [(p[0] - lon0) * kx * scale + W / 2, (lat0 - p[1]) * scale + H / 2]; }
    function round(v) { return Math.round(v * 1e8) / 1e8; }
    function lonlat(x, y) { return [round(lon0 + (x - W / 2) / (kx * scale)), round(lat0 - (y - H / 2) / scale)]; }

    function point(event) {
      var m = svg.getScreenCTM();
      var pt = svg.createSVGPoint();
      pt.x = event.clientX; pt.y = event.clientY;
      return pt.matrixTransform(m.inverse());
    }
    function unitsPerPixel() { return view.w / (svg.getBoundingClientRect().width || W); }

    function setView() { svg.setAttribute("viewBox", [view.x, view.y, view.w, view.h].join(" ")); render(); }
    function zoom(factor, cx, cy) {
      if (cx === undefined) { cx = view.x + view.w / 2; cy = view.y + view.h / 2; }
      var w = Math.min(Math.max(view.w * factor, W / 64), W * 64);
      var h = w * H / W;
      view = { x: cx - (cx - view.x) * w / view.w, y: cy - (cy - view.y) * h / view.h, w: w, h: h };
      setView();
    }

    function ringPath(ring, close) {
      return ring.map(function (p, i) { var q = xy(p); return (i ? "L" : "M") + q[0].toFixed(2) + "," + q[1].toFixed(2); }).join("") + (close ? "Z" : "");
    }

    function render() {
      while (layer.firstChild) { layer.removeChild(layer.firstChild); }
      var r = 9 * unitsPerPixel();
      var pathData = polygons.map(function (polygon) {
        return polygon.map(function (ring) { return ringPath(ring, true); }).join("");
      }).join("");
      if (pathData) { layer.appendChild(make("path", { "class": "shape", d: pathData })); }
      if (sketch) {
        if (sketch.length) { layer.appendChild(make("path", { "class": "sketch", d: ringPath(sketch, false) })); }
        sketch.forEach(function (p) { var q = xy(p); layer.appendChild(make("circle", { "class": "vertex", cx: q[0], cy: q[1], r: r * 0.7 })); });
        return;
      }
      polygons.forEach(function (polygon, pi) {
        polygon.forEach(function (ring, ri) {
          ring.forEach(function (p, vi) {
            var a = xy(p), b = xy(ring[(vi + 1) % ring.length]);
            layer.appendChild(make("circle", {
              "class": "mid", cx: (a[0] + b[0]) / 2, cy: (a[1] + b[1]) / 2, r: r * 0.55,
              "data-p": pi, "data-r": ri, "data-v": vi
            }));
          });
          ring.forEach(function (p, vi) {
            var q = xy(p);
            layer.appendChild(make("circle", {
              "class": "vertex", cx: q[0], cy: q[1], r: r, "data-p": pi, "data-r": ri, "data-v": vi
            }));
          });
        });
      });
    }

    function write() {
      field.value = polygons.length ? serialise(polygons) : "";
      field.dispatchEvent(new Event("change", { bubbles: true }));
    }

    function target(event) {
      var t = event.target;
      var cls = t.getAttribute && t.getAttribute("class");
      if (cls !== "vertex" && cls !== "mid") { return null; }
      return { kind: cls, p: +t.getAttribute("data-p"), r: +t.getAttribute("data-r"), v: +t.getAttribute("data-v") };
    }

    svg.addEventListener("pointerdown", function (event) {
      if (event.button !== undefined && event.button > 0) { return; }
      var hit = sketch ? null : target(event);
      var at = point(event);
      if (sketch) {
        sketch.push(lonlat(at.x, at.y));
        render();
        event.preventDefault();
        return;
      }
      if (hit && hit.kind === "vertex") {
        var now = Date.now();
        var ring = polygons[hit.p][hit.r];
        if (lastTap && lastTap.p === hit.p && lastTap.r === hit.r && lastTap.v === hit.v && now - lastTap.t < 350 && ring.length > 3) {
          ring.splice(hit.v, 1);  // double tap: remove the corner
          lastTap = null;
          render(); write();
          event.preventDefault();
          return;
        }
        lastTap = { p: hit.p, r: hit.r, v: hit.v, t: now };
        drag = hit;
      } else if (hit && hit.kind === "mid") {
        polygons[hit.p][hit.r].splice(hit.v + 1, 0, lonlat(at.x, at.y));
        drag = { kind: "vertex", p: hit.p, r: hit.r, v: hit.v + 1 };
        render();
      } else {
        pan = { cx: event.clientX, cy: event.clientY, x: view.x, y: view.y };
      }
      svg.setPointerCapture(event.pointerId);
      event.preventDefault();
    });

    svg.addEventListener("pointermove", function (event) {
      if (drag) {
        var at = point(event);
        polygons[drag.p][drag.r][drag.v] = lonlat(at.x, at.y);
        render();
      } else if (pan) {
        var k = unitsPerPixel();
        view.x = pan.x - (event.clientX - pan.cx) * k;
        view.y = pan.y - (event.clientY - pan.cy) * k;
        svg.setAttribute("viewBox", [view.x, view.y, view.w, view.h].join(" "));
      }
    });

    function release(event) {
      if (drag) { write(); }
      drag = null; pan = null;
      if (svg.hasPointerCapture && svg.hasPointerCapture(event.pointerId)) { svg.releasePointerCapture(event.pointerId); }
    }
    svg.addEventListener("pointerup", release);
    svg.addEventListener("pointercancel", release);

    svg.addEventListener("wheel", function (event) {
      var at = point(event);
      zoom(event.deltaY > 0 ? 1.25 : 0.8, at.x, at.y);
      event.preventDefault();
    }, { passive: false });

    function drawing(on) {
      svg.classList.toggle("drawing", on);
      if (buttons.finish) { buttons.finish.hidden = !on; }
      if (buttons.redraw) { buttons.redraw.hidden = on; }
    }

    var actions = {
      "zoom-in": function () { zoom(0.5); },
      "zoom-out": function () { zoom(2); },
      "redraw": function () { sketch = []; drawing(true); render(); },
      "finish": function () {
        if (sketch && sketch.length >= 3) { polygons = [[sketch]]; write(); }
        sketch = null; drawing(false); render();
      },
      "reset": function () {
        sketch = null; drawing(false);
        field.value = initialText;
        polygons = parse(initialText) || [];
        render();
      }
    };
    Object.keys(buttons).forEach(function (name) {
      buttons[name].addEventListener("click", function () { if (actions[name]) { actions[name](); } });
    });

    field.addEventListener("input", function () {
      var parsed = parse(field.value);
      if (parsed) { polygons = parsed; render(); }
    });
    window.addEventListener("resize", render);
    root.setAttribute("data-ready", "true");
    render();
  }

  function start() {
    document.querySelectorAll("[data-footprint-editor]").forEach(init);
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); }
  else { start(); }
}());
