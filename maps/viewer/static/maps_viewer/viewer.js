/* The staff map: MapLibre GL JS over our own vector tiles (no external
 * tiles, no CDN).  Numbers come from the server's tools; this page only
 * draws, lists and asks. */
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("map-config").textContent);
  var T = JSON.parse(document.getElementById("map-i18n").textContent);
  var csrf = (document.cookie.match(/(?:^|; )csrftoken=([^;]+)/) || [])[1] || "";
  var layers = {};
  config.layers.forEach(function (l) { layers[l.slug] = l; });
  var hint = document.getElementById("hint");
  var infoBox = document.getElementById("info");
  var resultsBox = document.getElementById("results");

  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  function say(text) { hint.textContent = text || ""; }
  function num(n) { return Number(n).toLocaleString(document.documentElement.lang === "bn" ? "bn-BD" : "en-IN"); }

  // --- the map: a plain background and our own layers ----------------------
  var style = {
    version: 8,
    sources: {},
    layers: [{ id: "background", type: "background", paint: { "background-color": "#f4f1ea" } }]
  };
  config.layers.forEach(function (l) {
    style.sources[l.slug] = {
      type: "vector",
      tiles: [window.location.origin + l.tiles],
      minzoom: Math.max(0, l.min_zoom),
      maxzoom: Math.min(22, Math.max(l.min_zoom, 16))
    };
    var s = l.style || {};
    style.layers.push({
      id: l.slug, type: s.type || "line", source: l.slug, "source-layer": l.slug,
      minzoom: l.min_zoom, maxzoom: l.max_zoom + 1,
      paint: s.paint || {}, layout: s.layout || {}
    });
  });
  style.sources.result = { type: "geojson", data: { type: "FeatureCollection", features: [] } };
  style.sources.outline = { type: "geojson", data: { type: "FeatureCollection", features: [] } };
  style.sources.sketch = { type: "geojson", data: { type: "FeatureCollection", features: [] } };
  style.layers.push(
    { id: "outline-fill", type: "fill", source: "outline", paint: { "fill-color": "#0077b6", "fill-opacity": 0.12 } },
    { id: "outline-line", type: "line", source: "outline", paint: { "line-color": "#0077b6", "line-width": 2 } },
    { id: "result-fill", type: "fill", source: "result", filter: ["==", ["geometry-type"], "Polygon"], paint: { "fill-color": "#ff006e", "fill-opacity": 0.55 } },
    { id: "result-line", type: "line", source: "result", filter: ["==", ["geometry-type"], "LineString"], paint: { "line-color": "#ff006e", "line-width": 4 } },
    { id: "result-point", type: "circle", source: "result", filter: ["==", ["geometry-type"], "Point"], paint: { "circle-color": "#ff006e", "circle-radius": 5, "circle-stroke-color": "#fff", "circle-stroke-width": 1 } },
    { id: "sketch-line", type: "line", source: "sketch", paint: { "line-color": "#222", "line-width": 2, "line-dasharray": [2, 1] } },
    { id: "sketch-point", type: "circle", source: "sketch", filter: ["==", ["geometry-type"], "Point"], paint: { "circle-color": "#222", "circle-radius": 4 } }
  );
  var start = config.start || { center: [89.55, 22.82], zoom: 13 };
  var map = new maplibregl.Map({
    container: "map", style: style, center: start.center, zoom: start.zoom,
    attributionControl: false, doubleClickZoom: false, maxZoom: 21
  });
  window.imisMap = map;
  map.addControl(new maplibregl.NavigationControl({ showCompass: false }));
  map.addControl(new maplibregl.ScaleControl({ unit: "metric" }));
  map.on("load", function () {
    document.getElementById("map").setAttribute("data-ready", "1");
  });

  // --- panels -------------------------------------------------------------
  document.querySelectorAll(".mv-bar [data-panel]").forEach(function (button) {
    button.addEventListener("click", function () {
      var open = button.getAttribute("aria-expanded") !== "true";
      document.querySelectorAll(".mv-bar [data-panel]").forEach(function (b) {
        b.setAttribute("aria-expanded", "false");
        document.getElementById("panel-" + b.dataset.panel).hidden = true;
      });
      button.setAttribute("aria-expanded", open ? "true" : "false");
      document.getElementById("panel-" + button.dataset.panel).hidden = !open;
    });
  });
  document.querySelectorAll("select[data-layer-choice]").forEach(function (select) {
    config.layers.forEach(function (l) { select.appendChild(el("option", { value: l.slug }, l.title)); });
  });
  var waterChoice = document.querySelector("#buffer-form select[name=source]");
  if (layers.waterbodies) waterChoice.value = "waterbodies";
  var bufferTarget = document.querySelector("#buffer-form select[name=layer]");
  if (layers.containments) bufferTarget.value = "containments";
  else if (layers.buildings) bufferTarget.value = "buildings";

  // --- layer switcher and legend -----------------------------------------
  function legend(slug, themeSlug) {
    var list = document.querySelector("[data-legend='" + slug + "']");
    list.textContent = "";
    var l = layers[slug];
    var theme = (l.themes || []).filter(function (t) { return t.slug === themeSlug; })[0];
    var items = theme ? theme.legend : [[null, l.title, swatch(l)]];
    items.forEach(function (item) {
      var li = el("li");
      var sw = el("span", { "class": "mv-swatch", "aria-hidden": "true" });
      sw.style.background = item[2];
      li.appendChild(sw);
      li.appendChild(document.createTextNode(" " + item[1]));
      list.appendChild(li);
    });
  }
  function swatch(l) {
    var p = (l.style || {}).paint || {};
    var c = p["fill-color"] || p["line-color"] || p["circle-color"] || "#888";
    return typeof c === "string" ? c : "#888";
  }
  function applyTheme(slug, themeSlug) {
    var l = layers[slug];
    var base = (l.style || {}).paint || {};
    var theme = (l.themes || []).filter(function (t) { return t.slug === themeSlug; })[0];
    var paint = Object.assign({}, base, theme ? (theme.style.paint || {}) : {});
    Object.keys(paint).forEach(function (k) { map.setPaintProperty(slug, k, paint[k]); });
    legend(slug, themeSlug);
  }
  config.layers.forEach(function (l) { legend(l.slug, ""); });
  document.querySelectorAll(".mv-layers input[name=layer]").forEach(function (box) {
    box.addEventListener("change", function () {
      map.setLayoutProperty(box.value, "visibility", box.checked ? "visible" : "none");
    });
  });
  document.querySelectorAll(".mv-layers select[name=theme]").forEach(function (select) {
    select.addEventListener("change", function () { applyTheme(select.dataset.layer, select.value); });
  });

  // --- requests -----------------------------------------------------------
  function post(url, data) {
    var body = new URLSearchParams();
    Object.keys(data).forEach(function (k) {
      if (data[k] !== undefined && data[k] !== null && data[k] !== "") body.append(k, data[k]);
    });
    return fetch(url, {
      method: "POST", body: body, credentials: "same-origin",
      headers: { "X-CSRFToken": decodeURIComponent(csrf) }
    }).then(function (r) {
      return r.json().then(function (j) { if (!r.ok) throw new Error(j.error || T.failed); return j; });
    });
  }
  function get(url) {
    return fetch(url, { credentials: "same-origin" }).then(function (r) {
      if (!r.ok) throw new Error(T.failed);
      return r.json();
    });
  }
  function fit(b) {
    if (!b) return;
    map.fitBounds([[b[0], b[1]], [b[2], b[3]]], { padding: 40, maxZoom: 18, duration: 0 });
  }

  // --- info box -----------------------------------------------------------
  function showInfo(slug, id) {
    return get(config.urls.info + slug + "/" + id + "/").then(function (data) {
      infoBox.textContent = "";
      infoBox.hidden = false;
      infoBox.appendChild(el("h2", {}, data.layer_title + (data.label ? ": " + data.label : "")));
      var dl = el("dl");
      data.fields.forEach(function (f) {
        if (f.value === null || f.value === "") return;
        dl.appendChild(el("dt", {}, f.label));
        dl.appendChild(el("dd", { "data-field": f.name }, f.value));
      });
      infoBox.appendChild(dl);
      if (data.url) infoBox.appendChild(el("a", { href: data.url, "class": "mv-link" }, T.open_page));
    }).catch(function (e) { say(e.message); });
  }

  // --- clicks, drawing and measuring ----------------------------------------
  var mode = null; // null | {kind, points, done}
  function sketch(points, closed) {
    var features = points.map(function (p) { return { type: "Feature", geometry: { type: "Point", coordinates: p }, properties: {} }; });
    if (points.length > 1) {
      var ring = closed ? points.concat([points[0]]) : points;
      features.push({ type: "Feature", geometry: { type: "LineString", coordinates: ring }, properties: {} });
    }
    map.getSource("sketch").setData({ type: "FeatureCollection", features: features });
  }
  function draw(kind, done) {
    mode = { kind: kind, points: [], done: done };
    sketch([], false);
    say(kind === "point" || kind === "feature" ? T.click_map : T.draw_hint);
    map.getCanvas().style.cursor = "crosshair";
  }
  function finish() {
    var m = mode;
    mode = null;
    map.getCanvas().style.cursor = "";
    say("");
    if (m && m.done) m.done(m.points);
  }
  map.on("click", function (e) {
    var p = [e.lngLat.lng, e.lngLat.lat];
    if (mode && mode.kind === "point") { mode.points = [p]; sketch([p], false); finish(); return; }
    if (mode && mode.kind === "feature") {
      var hit = map.queryRenderedFeatures(e.point, { layers: config.layers.map(function (l) { return l.slug; }) })[0];
      if (hit) { mode.points = [hit.layer.id, hit.id]; finish(); }
      return;
    }
    if (mode) { mode.points.push(p); sketch(mode.points, mode.kind === "polygon"); return; }
    var box = [[e.point.x - 4, e.point.y - 4], [e.point.x + 4, e.point.y + 4]];
    var visible = config.layers.map(function (l) { return l.slug; }).reverse();
    var found = map.queryRenderedFeatures(box, { layers: visible }).filter(function (f) { return f.id !== undefined; });
    if (found.length) showInfo(found[0].layer.id, found[0].id);
  });
  map.on("dblclick", function (e) {
    if (!mode) return;
    e.preventDefault();
    var need = mode.kind === "polygon" ? 3 : 2;
    if (mode.points.length >= need) finish();
  });

  function geodesic(a, b) {
    var R = 6371008.8, r = Math.PI / 180;
    var dLat = (b[1] - a[1]) * r, dLon = (b[0] - a[0]) * r;
    var h = Math.sin(dLat / 2) * Math.sin(dLat / 2) + Math.cos(a[1] * r) * Math.cos(b[1] * r) * Math.sin(dLon / 2) * Math.sin(dLon / 2);
    return 2 * R * Math.asin(Math.sqrt(h));
  }
  function area(points) {
    var R = 6371008.8, r = Math.PI / 180, s = 0;
    for (var i = 0; i < points.length; i++) {
      var p1 = points[i], p2 = points[(i + 1) % points.length];
      s += (p2[0] - p1[0]) * r * (2 + Math.sin(p1[1] * r) + Math.sin(p2[1] * r));
    }
    return Math.abs(s * R * R / 2);
  }
  document.querySelectorAll("[data-measure]").forEach(function (button) {
    button.addEventListener("click", function () {
      var kind = button.dataset.measure;
      draw(kind, function (points) {
        var out = document.getElementById("measure-out");
        if (kind === "line") {
          var d = 0;
          for (var i = 1; i < points.length; i++) d += geodesic(points[i - 1], points[i]);
          out.textContent = num(Math.round(d)) + " " + T.metres;
        } else {
          out.textContent = num(Math.round(area(points))) + " " + T.square_metres;
        }
      });
    });
  });

  // --- results: listed, highlighted, exportable ----------------------------
  var lastParams = null;
  function ring(points) { return points.concat([points[0]]); }
  function showResult(params, data) {
    lastParams = params;
    map.getSource("result").setData(data.highlight);
    map.getSource("outline").setData(data.outline ? { type: "Feature", geometry: data.outline, properties: {} } : { type: "FeatureCollection", features: [] });
    resultsBox.textContent = "";
    resultsBox.hidden = false;
    resultsBox.setAttribute("data-highlighted", data.highlight.features.length);
    var title = el("h2", { "data-count": data.count }, T.found.replace("%(count)s", num(data.count)).replace("%(layer)s", layers[data.layer].title));
    resultsBox.appendChild(title);
    if (data.count > data.highlight_limit) {
      resultsBox.appendChild(el("p", {}, T.highlight_limited.replace("%(shown)s", num(data.highlight_limit))));
    }
    var list = el("ol", { start: data.offset + 1, "class": "mv-list" });
    var label = data.label_attribute;
    data.rows.forEach(function (row) {
      var li = el("li");
      var text = (label && row.values[label]) || ("#" + row.id);
      var a = el("button", { type: "button", "class": "mv-row" }, text);
      a.addEventListener("click", function () { showInfo(data.layer, row.id); });
      li.appendChild(a);
      if (row.url) li.appendChild(el("a", { href: row.url }, T.open_page));
      list.appendChild(li);
    });
    resultsBox.appendChild(list);
    var pager = el("div", { "class": "mv-pager" });
    if (data.offset > 0) pager.appendChild(pageButton(T.previous, Math.max(0, data.offset - data.limit)));
    if (data.offset + data.limit < data.count) pager.appendChild(pageButton(T.next, data.offset + data.limit));
    resultsBox.appendChild(pager);
    if (config.can_export && data.count > 0) {
      var ex = el("div", { "class": "mv-export" });
      ex.appendChild(el("span", {}, T.export + ": "));
      config.formats.forEach(function (fmt) {
        var b = el("button", { type: "button", "data-format": fmt }, T.formats[fmt] || fmt);
        b.addEventListener("click", function () { exportResult(fmt); });
        ex.appendChild(b);
      });
      resultsBox.appendChild(ex);
    }
    if (data.bbox) fit(data.bbox);
  }
  function pageButton(text, offset) {
    var b = el("button", { type: "button" }, text);
    b.addEventListener("click", function () { runSelect(Object.assign({}, lastParams, { offset: offset })); });
    return b;
  }
  function runSelect(params) {
    say(T.working);
    return post(config.urls.select, params).then(function (data) { say(""); showResult(params, data); })
      .catch(function (e) { say(e.message); });
  }
  function exportResult(fmt) {
    var params = Object.assign({}, lastParams);
    delete params.offset;
    var body = new URLSearchParams();
    Object.keys(params).forEach(function (k) { if (params[k] !== undefined && params[k] !== "") body.append(k, params[k]); });
    fetch(config.urls.export + fmt + "/", {
      method: "POST", body: body, credentials: "same-origin", headers: { "X-CSRFToken": decodeURIComponent(csrf) }
    }).then(function (r) {
      if (r.status === 202) return r.json().then(watchJob);
      if (!r.ok) throw new Error(T.failed);
      var name = (r.headers.get("Content-Disposition") || "").split("filename=")[1] || ("export." + fmt);
      return r.blob().then(function (blob) {
        var a = el("a", { href: URL.createObjectURL(blob), download: name.replace(/"/g, "") });
        document.body.appendChild(a);
        a.click();
        a.remove();
      });
    }).catch(function (e) { say(e.message); });
  }
  function watchJob(job) {
    var p = el("p", { "class": "mv-job" }, T.preparing);
    resultsBox.appendChild(p);
    (function poll() {
      get(config.urls.jobs + job.id + "/").then(function (j) {
        if (j.status === "done") {
          p.textContent = "";
          p.appendChild(el("a", { href: j.download }, T.download));
        } else if (j.status === "failed") {
          p.textContent = T.failed;
        } else {
          p.textContent = T.preparing + " " + j.progress + "%";
          setTimeout(poll, 1500);
        }
      }).catch(function () { p.textContent = T.failed; });
    })();
  }

  // --- find ---------------------------------------------------------------
  var findInput = document.getElementById("find-q");
  var findList = document.getElementById("find-results");
  var findTimer = null;
  findInput.addEventListener("input", function () {
    clearTimeout(findTimer);
    findTimer = setTimeout(function () {
      var q = findInput.value.trim();
      findList.textContent = "";
      if (q.length < 2) return;
      get(config.urls.find + "?q=" + encodeURIComponent(q)).then(function (data) {
        findList.textContent = "";
        if (!data.results.length) { findList.appendChild(el("li", {}, T.nothing)); return; }
        data.results.forEach(function (r) {
          var li = el("li", { role: "option" });
          var b = el("button", { type: "button" }, r.label + " · " + r.layer_title + " (" + r.field_label + ": " + r.value + ")");
          b.addEventListener("click", function () { fit(r.bbox); showInfo(r.layer, r.id); });
          li.appendChild(b);
          findList.appendChild(li);
        });
      });
    }, 250);
  });

  // --- filter -------------------------------------------------------------
  var filterForm = document.getElementById("filter-form");
  function filterAttributes() {
    var l = layers[filterForm.layer.value];
    var select = filterForm.attribute;
    select.textContent = "";
    l.attributes.forEach(function (a) { select.appendChild(el("option", { value: a.name }, a.label)); });
    filterValues();
  }
  function filterValues() {
    var l = layers[filterForm.layer.value];
    var a = l.attributes.filter(function (x) { return x.name === filterForm.attribute.value; })[0];
    var list = document.getElementById("filter-values");
    list.textContent = "";
    (a && a.choices || []).forEach(function (c) { list.appendChild(el("option", { value: c[0] }, c[1])); });
  }
  filterForm.layer.addEventListener("change", filterAttributes);
  filterForm.attribute.addEventListener("change", filterValues);
  filterAttributes();
  filterForm.addEventListener("submit", function (e) {
    e.preventDefault();
    var slug = filterForm.layer.value, name = filterForm.attribute.value, value = filterForm.value.value;
    if (value === "") {
      // No value: the whole layer (listed, and exportable as a layer).
      map.setFilter(slug, null);
      runSelect({ layer: slug });
      return;
    }
    var a = layers[slug].attributes.filter(function (x) { return x.name === name; })[0];
    if (a && a.tiles) {
      var v = a.type === "integer" || a.type === "number" ? Number(value) : value;
      map.setFilter(slug, ["==", ["get", name], v]);
    }
    var params = { layer: slug };
    params["f_" + name] = value;
    runSelect(params);
  });
  filterForm.querySelector("[data-clear]").addEventListener("click", function () {
    config.layers.forEach(function (l) { map.setFilter(l.slug, null); });
    map.getSource("result").setData({ type: "FeatureCollection", features: [] });
    resultsBox.hidden = true;
  });

  // --- buffer ---------------------------------------------------------------
  var bufferForm = document.getElementById("buffer-form");
  bufferForm.addEventListener("submit", function (e) {
    e.preventDefault();
    var base = { layer: bufferForm.layer.value, buffer_m: bufferForm.buffer_m.value };
    var m = bufferForm.mode.value;
    if (m === "all") { runSelect(Object.assign(base, { source: bufferForm.source.value })); return; }
    draw(m, function (points) {
      if (m === "point") base.point = points[0][0] + "," + points[0][1];
      else if (m === "feature") { base.source = points[0]; base.source_id = points[1]; }
      else if (m === "line") base.geometry = JSON.stringify({ type: "LineString", coordinates: points });
      else base.geometry = JSON.stringify({ type: "Polygon", coordinates: [ring(points)] });
      runSelect(base);
    });
  });

  // --- summarise ---------------------------------------------------------------
  var summaryForm = document.getElementById("summary-form");
  function summaryChoices() {
    var l = layers[summaryForm.layer.value];
    summaryForm.by.textContent = "";
    summaryForm.by.appendChild(el("option", { value: "" }, "—"));
    (l.count_by || []).forEach(function (name) {
      var a = l.attributes.filter(function (x) { return x.name === name; })[0];
      summaryForm.by.appendChild(el("option", { value: name }, a ? a.label : name));
    });
  }
  summaryForm.layer.addEventListener("change", summaryChoices);
  summaryChoices();
  function showSummary(data) {
    resultsBox.textContent = "";
    resultsBox.hidden = false;
    resultsBox.appendChild(el("h2", {}, T.summary + ": " + layers[data.layer].title));
    var table = el("table", { "class": "mv-summary" });
    var head = el("tr");
    head.appendChild(el("th", {}, T.ward));
    head.appendChild(el("th", {}, ""));
    data.columns.forEach(function (c) { head.appendChild(el("th", {}, c.label)); });
    table.appendChild(head);
    data.rows.forEach(function (row) {
      var tr = el("tr");
      tr.appendChild(el("td", {}, row.ward === null ? "—" : num(row.ward)));
      tr.appendChild(el("td", {}, row.category_label || ""));
      data.columns.forEach(function (c) { tr.appendChild(el("td", { "data-column": c.name }, num(row[c.name]))); });
      table.appendChild(tr);
    });
    var total = el("tr", { "class": "mv-total" });
    total.appendChild(el("th", {}, T.total));
    total.appendChild(el("td", {}, ""));
    data.columns.forEach(function (c) { total.appendChild(el("td", { "data-total": c.name }, num(data.total[c.name]))); });
    table.appendChild(total);
    resultsBox.appendChild(table);
  }
  summaryForm.addEventListener("submit", function (e) {
    e.preventDefault();
    var params = { layer: summaryForm.layer.value, group: summaryForm.group.value, by: summaryForm.by.value };
    function run(p) {
      say(T.working);
      post(config.urls.summary, p).then(function (data) { say(""); showSummary(data); }).catch(function (err) { say(err.message); });
    }
    if (params.group === "area") {
      draw("polygon", function (points) {
        params.within = JSON.stringify({ type: "Polygon", coordinates: [ring(points)] });
        run(params);
      });
    } else {
      run(params);
    }
  });
})();
