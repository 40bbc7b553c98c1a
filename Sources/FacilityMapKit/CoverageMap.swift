import FacilityCoverage
import FacilityGEOS
import FacilityGeometry
import FacilityModel
import FacilityText
import Foundation

/// `facilitymap map`: one self-contained HTML file (no network, no tiles) showing areas coloured by attainment
/// of a chosen target, facilities by kind, and uncovered communities and villages.
public enum CoverageMap {
    /// Colours for facility kinds, in `FacilityKind.allCases` order (grouped by sector).
    static let kindColors = [
        "#1f78b4", "#4a9fd8", "#6baed6", "#2171b5", "#08519c", "#9ecae1", "#3182bd", "#c6dbef",   // education
        "#e31a1c", "#fb6a4a", "#cb181d", "#fc9272", "#ef3b2c", "#a50f15", "#f768a1",              // health
        "#33a02c", "#74c476", "#238b45", "#a1d99b", "#006d2c",                                    // elderly care
    ]

    /// How wide the map draws the reachable roads of a service area, metres either side: narrower than the export's
    /// 50 m, so that a city's streets stay apart on the map.
    static let reachBufferMetres = 20.0

    static func coordinate(_ value: Double) -> String {
        let rounded = (value * 100_000).rounded() / 100_000
        return JSONText.value(rounded)
    }

    static func ring(_ ring: [LonLat]) -> String {
        "[" + ring.map { "[\(coordinate($0.lon)),\(coordinate($0.lat))]" }.joined(separator: ",") + "]"
    }

    static func polygons(_ boundary: MultiPolygon) -> String {
        "[" + boundary.polygons.map { p in "[" + p.rings.map(ring).joined(separator: ",") + "]" }.joined(separator: ",") + "]"
    }

    static func result(_ r: CoverageResult) -> String {
        JSONText.object([("numerator", JSONText.value(r.numerator)), ("denominator", JSONText.value(r.denominator)),
                         ("actual", JSONText.value(r.actual)), ("goal", JSONText.value(r.goal)), ("met", JSONText.value(r.met)),
                         ("shortfall", JSONText.value(r.shortfall)), ("note", JSONText.value(r.note)),
                         ("reason", r.reason.map(reason) ?? "null")])
    }

    /// A note as the page says it: its catalogue key and arguments (keys too), as `say()` takes them.
    static func reason(_ note: CoverageNote) -> String {
        JSONText.object([("key", JSONText.string(note.key)),
                         ("arguments", "[" + note.argumentKeys.map { JSONText.object([("key", JSONText.string($0)), ("arguments", "[]")]) }
                            .joined(separator: ",") + "]")])
    }

    /// The map's data as JSON: areas, outline, targets with results per area, facilities, uncovered units, and
    /// `suggestions`' proposed sites by target (`proposed`: lon, lat, id, name, amount, units covered, conversion).
    /// Each target says how many areas miss it (`notMet`) and how many units it leaves uncovered (`uncoveredCount`).
    /// The served page asks for less: `only` one target's areas and uncovered units (the others' totals alone, their
    /// `areas` empty), at most `uncoveredLimit` uncovered units, no facilities (`maxFacilities` 0: it draws them
    /// from tiles); `version` is the registry's import number, for the tiles' addresses.
    public static func data(engine: CoverageEngine, plan: TargetPlan, query: CoverageQuery, maxFacilities: Int = 100_000,
                            suggestions: [SitingReport] = [], only: String? = nil, uncoveredLimit: Int = .max,
                            version: Int? = nil) -> String {
        let report = engine.report(plan: plan, query: query)
        let byCode = Dictionary(engine.units.map { ($0.code, $0) }, uniquingKeysWith: { a, _ in a })
        let areaCodes = report.targets.first?.areas.map(\.area.code) ?? engine.units.filter { $0.level == query.by }.map(\.code).sorted()
        // An area without a polygon (townships are often points) is drawn as a symbol at its point, sized by the
        // population coverage counts for it.
        let people = areaCodes.contains { byCode[$0]?.boundary == nil } ? engine.populationsUsed : [:]
        let areas = areaCodes.compactMap { code -> String? in
            guard let unit = byCode[code] else { return nil }
            if let boundary = unit.boundary {
                return JSONText.object([("code", JSONText.string(code)), ("name", JSONText.string(unit.name)),
                                        ("polygons", polygons(boundary))])
            }
            guard let point = unit.location else { return nil }
            return JSONText.object([("code", JSONText.string(code)), ("name", JSONText.string(unit.name)), ("polygons", "[]"),
                                    ("point", "[\(coordinate(point.lon)),\(coordinate(point.lat))]"),
                                    ("population", JSONText.value(people[code]?.people))])
        }
        let outline = plan.area.flatMap { byCode[$0]?.boundary }.map(polygons) ?? "null"
        let targets = report.targets.map { t -> String in
            let shown = only == nil || only == t.target.id
            var uncovered = "[]"
            if t.target.metric == .unitCoverage && shown {
                uncovered = "[" + t.totalUncovered.prefix(uncoveredLimit).compactMap { ref -> String? in
                    guard let unit = byCode[ref.code], let point = unit.location else { return nil }
                    return "[\(coordinate(point.lon)),\(coordinate(point.lat)),\(JSONText.string(ref.code)),\(JSONText.string(ref.name))]"
                }.joined(separator: ",") + "]"
            }
            // A target along the roads: its kinds' service areas (the roads reached within its reach, widened).
            var reach = "[]"
            if shown, t.target.isNetwork, t.target.metric == .unitCoverage,
               let served = try? engine.serviceAreas(of: t.target, plan: plan, query: query, merged: true) {
                let buffer = LineBuffer()
                reach = "[" + served.compactMap { area in
                    buffer.buffer(area.roads, metres: reachBufferMetres).map(polygons)
                }.joined(separator: ",") + "]"
            }
            let rows = shown ? t.areas.map { "\(JSONText.string($0.area.code)): \(result($0.result))" }.joined(separator: ", ") : ""
            let proposed = suggestions.filter { $0.target.id == t.target.id }.flatMap { report in
                report.proposals.map { p in
                    "[\(coordinate(p.site.location.lon)),\(coordinate(p.site.location.lat)),\(JSONText.string(SuggestFormatter.id(p, report))),"
                        + "\(JSONText.string(SuggestFormatter.name(p, report))),\(JSONText.value(p.amount)),\(p.covers.count),\(p.facility != nil)]"
                }
            }
            let shares = t.target.metric == .unitCoverage || t.target.metric == .share
                || (t.target.metric == .count && t.target.perArea != nil)
            return JSONText.object([
                ("id", JSONText.string(t.target.id)), ("title", JSONText.string(t.target.title)),
                ("metric", JSONText.string(t.target.metric.rawValue)), ("goal", JSONText.value(t.goal)),
                ("share", JSONText.value(shares)), ("perArea", JSONText.value(t.target.perArea?.rawValue)),
                ("units", JSONText.value(t.target.units?.rawValue)), ("kinds", "[" + t.target.kinds.map { JSONText.string($0.rawValue) }.joined(separator: ",") + "]"),
                ("total", result(t.total)), ("totalName", JSONText.string(t.totalArea.name)),
                ("areas", "{" + rows + "}"), ("notMet", JSONText.value(t.areas.filter { $0.result.met == false }.count)),
                ("uncovered", uncovered), ("uncoveredCount", JSONText.value(t.target.metric == .unitCoverage ? t.totalUncovered.count : 0)),
                ("proposed", "[" + proposed.joined(separator: ",") + "]"), ("reach", reach),
            ])
        }
        let facilities = engine.facilities
        let day = report.asOf.ordinal
        let open = facilities.kind.indices.filter { facilities.isOpen($0, on: day) }
        let shown = open.prefix(maxFacilities)
        let kinds = FacilityKind.allCases
        let present = Set(open.map { FacilityKind(ordinal: facilities.kind[$0]) })
        let kindList = kinds.enumerated().map { i, kind in
            JSONText.object([("kind", JSONText.string(kind.rawValue)), ("zh", JSONText.string(kind.chineseNames[0])),
                             ("color", JSONText.string(kindColors[i % kindColors.count])), ("present", JSONText.value(present.contains(kind)))])
        }
        var points = "["
        points.reserveCapacity(shown.count * 24)
        for (i, f) in shown.enumerated() {
            if i > 0 { points += "," }
            let location = facilities.location[f]
            points += "\(coordinate(location.lon)),\(coordinate(location.lat)),\(facilities.kind[f])"
        }
        points += "]"
        return """
            {"plan": \(JSONText.string(report.plan)), "year": \(report.year), "asOf": "\(report.asOf)", \
            "by": "\(report.by.rawValue)", "areas": [\(areas.joined(separator: ",\n"))],
            "areaNames": [\(areaCodes.map { "[\(JSONText.string($0)),\(JSONText.string(byCode[$0]?.name ?? $0))]" }.joined(separator: ","))],
            "outline": \(outline), "targets": [\(targets.joined(separator: ",\n"))],
            "kinds": [\(kindList.joined(separator: ","))], "facilityCount": \(open.count), "facilities": \(points), \
            "version": \(JSONText.value(version))}
            """
    }

    /// The whole page. `maxFacilities` bounds the points drawn (the count shown says how many there are).
    /// With `suggestions`, the chosen target's proposed sites are drawn apart from the facilities (hollow diamonds;
    /// a conversion rings the facility).
    public static func html(engine: CoverageEngine, plan: TargetPlan, query: CoverageQuery, maxFacilities: Int = 100_000,
                            suggestions: [SitingReport] = [], language: Language = .en, basemap: Basemap? = nil) -> String {
        // "</" inside a <script> would end it: names come from user data.
        let json = data(engine: engine, plan: plan, query: query, maxFacilities: maxFacilities, suggestions: suggestions)
            .replacingOccurrences(of: "</", with: "<\\/")
        return page(title: plan.plan, main: """
            const DATA = \(json);
            drawCoverage(DATA);
            document.addEventListener("facilitymap-language", () => drawCoverage(DATA));
            """, language: language, basemap: basemap)
    }

    /// The map page around `main` (a script run after `drawCoverage` is defined), with `controls` in the header
    /// before the target picker and `below` after the map. The served page (`facilitymap serve`) fills them in.
    /// The page starts in `language` until the reader picks another (the picker remembers it in the browser); the
    /// served page's is set per request from `Accept-Language` (`withLanguage`).
    public static func page(title: String, controls: String = "", below: String = "", main: String, language: Language = .en,
                            basemap: Basemap? = nil) -> String {
        // Filled in this order so that nothing in the data (last) is taken for a placeholder.
        template.replacingOccurrences(of: "<!--CONTROLS-->", with: controls)
            .replacingOccurrences(of: "<!--BELOW-->", with: below)
            .replacingOccurrences(of: "<!--TITLE-->", with: escapeHTML(title))
            .replacingOccurrences(of: "/*I18N*/", with: "const I18N = \(wordsJSON);\n" + languageScript)
            .replacingOccurrences(of: "/*SCRIPT*/", with: drawScript)
            .replacingOccurrences(of: "/*MAIN*/", with: "const BASEMAP = \((basemap?.json ?? "null").replacingOccurrences(of: "</", with: "<\\/"));\n" + main)
            .replacingOccurrences(of: languageAttribute(.en), with: languageAttribute(language))
    }

    /// `page` in `language` instead of the one it was made in: the `<html>` element's attribute, nothing in a script
    /// (so that the served page's script hashes stay the same).
    public static func withLanguage(_ page: String, _ language: Language) -> String {
        guard language != .en, let range = page.range(of: languageAttribute(.en)) else { return page }
        return page.replacingCharacters(in: range, with: languageAttribute(language))
    }

    static func languageAttribute(_ language: Language) -> String {
        "<html lang=\"\(language == .zh ? "zh-CN" : "en")\" data-lang=\"\(language.rawValue)\">"
    }

    /// The words the page says, in every language: the catalogues' messages for the page, levels, imports and
    /// rejected rows, as `{"en": {key: text}, "zh": {…}}`.
    static let wordsJSON: String = {
        let prefixes = ["page.", "level.", "import.", "cell.", "row.", "coverage.met.", "coverage.total", "coverage.header.", "note.", "field.", "mode."]
        return JSONText.object(Language.allCases.map { language in
            let messages = Catalog.of(language).messages.filter { key, _ in prefixes.contains { key.hasPrefix($0) } }
            return (language.rawValue, JSONText.object(messages.sorted { $0.key < $1.key }.map { ($0.key, JSONText.string($0.value)) }))
        }).replacingOccurrences(of: "</", with: "<\\/")
    }()

    /// The page's language: `?lang=` in the address, else the reader's last pick (kept in the browser), else the
    /// `<html>` element's (the server's pick from `Accept-Language`, or `map --lang`). `t(key, …)` says a message,
    /// `say(phrase)` a rejected row's reason as the API gives it; elements with `data-t` are labelled by key. The
    /// picker (`#lang`) changes it and fires `facilitymap-language` for the page to draw itself again.
    static let languageScript = #"""
    const languageKey = "facilitymap-lang";
    let LANG = (() => {
      const asked = new URLSearchParams(location.search).get("lang");
      if (asked && I18N[asked]) { try { localStorage.setItem(languageKey, asked); } catch (e) {} return asked; }
      try { const kept = localStorage.getItem(languageKey); if (kept && I18N[kept]) return kept; } catch (e) {}
      const given = document.documentElement.dataset.lang;
      return I18N[given] ? given : "en";
    })();
    function t(key, ...values) {
      const text = (I18N[LANG] || {})[key] ?? I18N.en[key] ?? key;
      return text.replace(/%(\d+)\$@/g, (m, n) => String(values[n - 1] ?? "")).replace(/%%/g, "%");
    }
    function say(phrase) {
      if (!phrase || typeof phrase === "string") return phrase || "";
      const values = (phrase.arguments || []).map(say);
      if (phrase.key === "") return values[0] || "";
      if (phrase.key === ";") return values.join(LANG === "zh" ? "；" : "; ");
      if (phrase.key === ":") return values.join(LANG === "zh" ? "：" : ": ");
      return t(phrase.key, ...values);
    }
    // A result's note (no population, no community units, …) in the page's language: the map data gives it as a
    // key and values (`reason`) beside the English `note`.
    function noteText(r) { return r && r.reason ? say(r.reason) : (r && r.note) || ""; }
    function applyLanguage() {
      document.documentElement.lang = LANG === "zh" ? "zh-CN" : "en";
      document.querySelectorAll("[data-t]").forEach(e => { e.textContent = t(e.dataset.t); });
      document.querySelectorAll("[data-t-placeholder]").forEach(e => { e.placeholder = t(e.dataset.tPlaceholder); });
      const picker = document.getElementById("lang");
      if (picker) picker.value = LANG;
      if (document.body) document.body.dataset.lang = LANG;
    }
    document.addEventListener("DOMContentLoaded", () => {
      applyLanguage();
      const picker = document.getElementById("lang");
      if (picker) picker.addEventListener("change", () => {
        LANG = picker.value;
        try { localStorage.setItem(languageKey, LANG); } catch (e) {}
        applyLanguage();
        document.dispatchEvent(new Event("facilitymap-language"));
      });
    });
    applyLanguage();
    """#

    static func escapeHTML(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;")
    }

    /// The drawing script: `drawCoverage(DATA, options)` builds the SVG, legends and target picker from the map data.
    /// The map is in Web Mercator, as base-map tiles are cut: `BASEMAP` (`--basemap`) lays XYZ tiles under the areas,
    /// and `options.facilityTiles(z, x, y, style)` (the served page) draws the facilities from the registry's own
    /// tiles (`options.loadTile(url)` fetches one) instead of the points in `DATA.facilities`.
    public static let drawScript = #"""
    // Draws (or draws again) the whole map from DATA; the target shown stays chosen.
    function drawCoverage(DATA, options) {
      options = options || {};
      const previous = document.getElementById("target").value;
      const svgNS = "http://www.w3.org/2000/svg";
      const svg = document.getElementById("map");
      const tip = document.getElementById("tip");
      // A tooltip of the shapes about to go must go with them.
      tip.style.display = "none";
      const select = document.getElementById("target");
      svg.textContent = "";
      select.textContent = "";
      // Names come from uploaded files: text, never markup.
      const esc = t => String(t).replace(/[&<>"']/g, c => ({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"})[c]);

      function fmt(v, share) {
        if (v === null || v === undefined) return "–";
        if (share) return (v * 100).toFixed(1) + "%";
        return Number.isInteger(v) ? v.toLocaleString("en") : v.toFixed(2);
      }
      function attainmentColor(r) {
        if (!r || r.actual === null || r.goal === null || r.goal === undefined) return "#d9d9d9";
        if (r.met) return "#1a9850";
        const x = r.goal > 0 ? Math.max(0, Math.min(1, r.actual / r.goal)) : 0;
        const stops = [[0, [215, 48, 39]], [0.6, [252, 141, 89]], [1, [254, 224, 139]]];
        for (let i = 1; i < stops.length; i++) {
          if (x <= stops[i][0]) {
            const [a, ca] = stops[i - 1], [b, cb] = stops[i], t = (x - a) / (b - a);
            return "rgb(" + ca.map((c, k) => Math.round(c + (cb[k] - c) * t)).join(",") + ")";
          }
        }
        return "rgb(254,224,139)";
      }

      // Projection: Web Mercator (the world a unit square, y from the north), fitted to the view.
      const mercY = lat => { const r = Math.max(-85.0511, Math.min(85.0511, lat)) * Math.PI / 180; return (1 - Math.log(Math.tan(r) + 1 / Math.cos(r)) / Math.PI) / 2; };
      const mercX = lon => (lon + 180) / 360;
      let bounds = [Infinity, Infinity, -Infinity, -Infinity];
      function extend(p) { const x = mercX(p[0]), y = mercY(p[1]); bounds = [Math.min(bounds[0], x), Math.min(bounds[1], y), Math.max(bounds[2], x), Math.max(bounds[3], y)]; }
      (DATA.outline || []).forEach(poly => poly.forEach(ring => ring.forEach(extend)));
      DATA.areas.forEach(a => { a.polygons.forEach(poly => poly.forEach(ring => ring.forEach(extend))); if (a.point) extend(a.point); });
      if (!isFinite(bounds[0])) for (let i = 0; i < DATA.facilities.length; i += 3) extend([DATA.facilities[i], DATA.facilities[i + 1]]);
      if (!isFinite(bounds[0])) bounds = [mercX(0), mercY(1), mercX(1), mercY(0)];
      const spanX = Math.max(1e-9, bounds[2] - bounds[0]), spanY = Math.max(1e-9, bounds[3] - bounds[1]);
      const W = 1000, H = Math.max(200, Math.min(2000, Math.round(W * spanY / spanX)));
      const pad = 20;
      const s = Math.min((W - 2 * pad) / spanX, (H - 2 * pad) / spanY);
      const X = lon => pad + (mercX(lon) - bounds[0]) * s, Y = lat => pad + (mercY(lat) - bounds[1]) * s;
      const projection = {x0: bounds[0], y0: bounds[1], s, pad};
      // Where a place is drawn, in the SVG's units (for scripts that drive the map, as the tests do).
      svg.__project = (lon, lat) => [X(lon), Y(lat)];
      svg.setAttribute("viewBox", "0 0 " + W + " " + H);
      function pathOf(polygons) {
        return polygons.map(poly => poly.map(ring => "M" + ring.map(p => X(p[0]).toFixed(2) + " " + Y(p[1]).toFixed(2)).join("L") + "Z").join("")).join("");
      }
      function centroid(polygons) {
        let best = null, area = -1;
        polygons.forEach(poly => { const r = poly[0]; let a = 0, cx = 0, cy = 0;
          for (let i = 0; i < r.length - 1; i++) { const f = r[i][0] * r[i + 1][1] - r[i + 1][0] * r[i][1]; a += f; cx += (r[i][0] + r[i + 1][0]) * f; cy += (r[i][1] + r[i + 1][1]) * f; }
          if (Math.abs(a) > area) { area = Math.abs(a); best = [cx / (3 * a), cy / (3 * a)]; } });
        return best;
      }

      const group = () => document.createElementNS(svgNS, "g");
      const gBase = group(), gAreas = group(), gOutline = group(), gFacilities = group(), gTiles = group();
      const gUncovered = group(), gLabels = group(), gProposed = group(), gReach = group();
      [gBase, gAreas, gReach, gOutline, gFacilities, gTiles, gUncovered, gProposed, gLabels].forEach(g => svg.appendChild(g));
      svg.classList.toggle("with-basemap", !!(typeof BASEMAP !== "undefined" && BASEMAP));
      // Areas with no polygon: circles whose area follows their population (the largest 14 px across).
      const most = Math.max(1, ...DATA.areas.filter(a => a.point).map(a => a.population || 0));
      const areaPaths = DATA.areas.map(a => {
        if (a.point) {
          const c = document.createElementNS(svgNS, "circle");
          c.setAttribute("class", "district area-point");
          c.setAttribute("cx", X(a.point[0]).toFixed(1));
          c.setAttribute("cy", Y(a.point[1]).toFixed(1));
          c.setAttribute("r", (3 + 11 * Math.sqrt((a.population || 0) / most)).toFixed(1));
          c.dataset.code = a.code;
          gAreas.appendChild(c);
          return [a, c];
        }
        const p = document.createElementNS(svgNS, "path");
        p.setAttribute("class", "district");
        p.setAttribute("d", pathOf(a.polygons));
        p.setAttribute("fill-rule", "evenodd");
        p.dataset.code = a.code;
        gAreas.appendChild(p);
        const c = centroid(a.polygons);
        if (c) {
          const t = document.createElementNS(svgNS, "text"); t.setAttribute("class", "label"); t.setAttribute("x", X(c[0])); t.setAttribute("y", Y(c[1])); t.textContent = a.name;
          // The area's width: its name shows once the area is wide enough on the screen to hold it.
          let left = Infinity, right = -Infinity;
          a.polygons.forEach(poly => poly[0].forEach(q => { left = Math.min(left, q[0]); right = Math.max(right, q[0]); }));
          t.dataset.width = String(X(right) - X(left));
          gLabels.appendChild(t);
        }
        return [a, p];
      });
      svg.dataset.districts = String(areaPaths.length);
      if (DATA.outline) { const o = document.createElementNS(svgNS, "path"); o.setAttribute("class", "outline"); o.setAttribute("d", pathOf(DATA.outline)); gOutline.appendChild(o); }

      const kindShown = DATA.kinds.map(() => true);
      const tiled = typeof options.facilityTiles === "function";
      let tileStyle = "";
      function drawFacilities(target) {
        gFacilities.textContent = "";
        if (tiled) {
          // Every facility, from the registry's tiles: the kinds left out and the target go with each tile's address.
          const hidden = DATA.kinds.filter((k, i) => !kindShown[i]).map(k => k.kind);
          tileStyle = JSON.stringify([target ? target.id : "", hidden, tiledUncovered(target)]);
          svg.dataset.facilities = String(DATA.facilityCount);
          return;
        }
        const wanted = new Set(target ? target.kinds : []);
        let drawn = 0;
        for (let i = 0; i < DATA.facilities.length; i += 3) {
          const kind = DATA.kinds[DATA.facilities[i + 2]];
          if (!kindShown[DATA.facilities[i + 2]]) continue;
          const c = document.createElementNS(svgNS, "circle");
          c.setAttribute("class", "facility");
          c.setAttribute("cx", X(DATA.facilities[i]).toFixed(1));
          c.setAttribute("cy", Y(DATA.facilities[i + 1]).toFixed(1));
          c.setAttribute("r", wanted.has(kind.kind) ? 2.6 : 1.3);
          c.setAttribute("fill", kind.color);
          if (wanted.size && !wanted.has(kind.kind)) c.setAttribute("opacity", "0.25");
          gFacilities.appendChild(c);
          drawn++;
        }
        svg.dataset.facilities = String(drawn);
      }
      // More uncovered units than the data lists: the tiles draw them all (as crosses, without tooltips).
      function tiledUncovered(target) {
        return tiled && !!target && (target.uncoveredCount || 0) > (target.uncovered || []).length;
      }
      function drawUncovered(target) {
        gUncovered.textContent = "";
        const shapes = tiledUncovered(target) ? [] : (target.uncovered || []);
        shapes.forEach(u => {
          const x = X(u[0]), y = Y(u[1]), d = 3.5;
          const p = document.createElementNS(svgNS, "path");
          p.setAttribute("class", "uncovered");
          p.setAttribute("d", `M${x - d} ${y - d}L${x + d} ${y + d}M${x + d} ${y - d}L${x - d} ${y + d}`);
          const kinds = target.kinds.map(k => { const known = DATA.kinds.find(x => x.kind === k); return LANG === "zh" && known ? known.zh : k; });
          p.addEventListener("mousemove", e => showTip(e, `<b>${esc(u[3])}</b>${esc(u[2])}<br>${esc(t("page.uncovered-tip", kinds.join(LANG === "zh" ? "、" : ", ")))}`));
          p.addEventListener("mouseleave", () => tip.style.display = "none");
          gUncovered.appendChild(p);
        });
        const count = target.uncoveredCount === undefined ? shapes.length : target.uncoveredCount;
        svg.dataset.uncovered = String(count);
        const said = document.getElementById("uncovered-count");
        if (said) said.textContent = target.metric === "unit_coverage" ? t(count === 1 ? "page.uncovered-count.one" : "page.uncovered-count.other", count.toLocaleString("en")) : "";
      }
      // Service areas of a target along the roads: the roads its facilities are reached from, widened.
      function drawReach(target) {
        gReach.textContent = "";
        const reach = target.reach || [];
        reach.forEach(polygons => {
          const p = document.createElementNS(svgNS, "path");
          p.setAttribute("class", "reach");
          p.setAttribute("d", pathOf(polygons));
          gReach.appendChild(p);
        });
        svg.dataset.reach = String(reach.length);
        const legend = document.getElementById("reach-legend");
        if (legend) legend.style.display = reach.length ? "" : "none";
      }
      // Proposed sites (facilitymap suggest): hollow diamonds; a conversion of an existing facility, a ring.
      function drawProposed(target) {
        gProposed.textContent = "";
        const proposed = target.proposed || [];
        proposed.forEach(q => {
          const x = X(q[0]), y = Y(q[1]), d = 5.5;
          const p = document.createElementNS(svgNS, q[6] ? "circle" : "path");
          p.setAttribute("class", q[6] ? "proposed converts" : "proposed");
          if (q[6]) { p.setAttribute("cx", x.toFixed(1)); p.setAttribute("cy", y.toFixed(1)); p.setAttribute("r", d); }
          else p.setAttribute("d", `M${x} ${y - d}L${x + d} ${y}L${x} ${y + d}L${x - d} ${y}Z`);
          const what = q[6] ? t("page.convert", fmt(q[4], false)) : (q[4] !== null ? t("page.adds", fmt(q[4], false)) : t(q[5] === 1 ? "page.covers.one" : "page.covers.other", q[5]));
          p.addEventListener("mousemove", e => showTip(e, `<b>${esc(q[3])}</b>${esc(q[2])}<br>${esc(t("page.proposed-tip", what))}`));
          p.addEventListener("mouseleave", () => tip.style.display = "none");
          gProposed.appendChild(p);
        });
        svg.dataset.proposed = String(proposed.length);
        const legend = document.getElementById("proposed-legend");
        if (legend) legend.style.display = DATA.targets.some(t => (t.proposed || []).length) ? "" : "none";
      }
      function showTip(e, html) {
        tip.innerHTML = html;
        tip.style.display = "block";
        tip.style.left = (e.clientX + 14) + "px";
        tip.style.top = (e.clientY + 14) + "px";
      }
      function describe(target, r) {
        if (!r) return esc(t("page.no-data"));
        const share = target.share && !(target.perArea && target.perArea === DATA.by);
        const met = r.met === null ? esc(t("page.not-judged")) : (r.met ? `<span class="met">${esc(t("page.met"))}</span>` : `<span class="unmet">${esc(t("page.not-met"))}</span>`);
        return esc(t("page.describe", r.actual === null ? (noteText(r) || "–") : fmt(r.actual, share), fmt(r.goal, share), "\u0001")).replace("\u0001", met) +
          "<br>" + esc(t("page.describe.shortfall", fmt(r.shortfall, false), fmt(r.numerator, false), fmt(r.denominator, false)));
      }
      function render() {
        const target = DATA.targets[select.selectedIndex];
        tip.style.display = "none";
        if (!target) return;
        areaPaths.forEach(([a, p]) => {
          const r = target.areas[a.code];
          p.setAttribute("fill", attainmentColor(r));
          p.onmousemove = e => showTip(e, `<b>${esc(a.name)} ${esc(a.code)}</b>${esc(target.title)}<br>${describe(target, r)}`);
          p.onmouseleave = () => tip.style.display = "none";
        });
        document.getElementById("summary").innerHTML = `${esc(DATA.plan)} · ${esc(target.title)} · ${esc(target.totalName)}${LANG === "zh" ? "：" : ": "}${describe(target, target.total)}`;
        drawFacilities(target);
        drawUncovered(target);
        drawProposed(target);
        drawReach(target);
        if (svg.__updateTiles) svg.__updateTiles();
      }

      DATA.targets.forEach(t => { const o = document.createElement("option"); o.value = t.id; o.textContent = `${t.id} — ${t.title}`; select.appendChild(o); });
      // A target can be chosen in the address: coverage.html#beds-per-1000
      const fromHash = DATA.targets.findIndex(t => "#" + t.id === decodeURIComponent(location.hash));
      const kept = DATA.targets.findIndex(t => t.id === previous);
      if (kept >= 0) select.selectedIndex = kept; else if (fromHash >= 0) select.selectedIndex = fromHash;
      select.onchange = () => { history.replaceState(null, "", location.search + "#" + select.value); render(); };
      const drawn = !tiled && DATA.facilities.length / 3 < DATA.facilityCount ? t("page.meta.drawn", (DATA.facilities.length / 3).toLocaleString("en")) : "";
      document.getElementById("meta").textContent = t("page.meta", DATA.year, DATA.asOf, DATA.facilityCount.toLocaleString("en"), drawn, t("level." + DATA.by));
      document.getElementById("scale").innerHTML = [["#1a9850", "page.scale.met"], ["rgb(254,224,139)", "page.scale.almost"], ["rgb(252,141,89)", "page.scale.sixty"], ["rgb(215,48,39)", "page.scale.nothing"], ["#d9d9d9", "page.scale.none"]]
        .map(([c, l]) => `<div class="legend-row"><span class="swatch" style="background:${c}"></span>${esc(t(l))}</div>`).join("");
      const kindsDiv = document.getElementById("kinds");
      kindsDiv.textContent = "";
      DATA.kinds.forEach((kind, i) => {
        if (!kind.present) return;
        const row = document.createElement("div");
        row.className = "legend-row";
        row.innerHTML = `<label><input type="checkbox" checked> <span class="swatch dot" style="background:${kind.color}"></span>${esc(kind.zh)}${LANG === "zh" ? "" : " " + esc(kind.kind)}</label>`;
        row.querySelector("input").addEventListener("change", e => { kindShown[i] = e.target.checked; render(); });
        kindsDiv.appendChild(row);
      });
      // Tile layers: the base map under the areas, the registry's facilities over them.
      const layers = [];
      if (typeof BASEMAP !== "undefined" && BASEMAP) {
        layers.push({group: gBase, maxZoom: BASEMAP.maxZoom || 18, style: () => "", url: (z, x, y) => {
          const subdomains = BASEMAP.subdomains || "abc";
          return BASEMAP.url.replace("{z}", z).replace("{x}", x).replace("{y}", y).replace("{-y}", Math.pow(2, z) - 1 - y)
            .replace("{s}", subdomains[(x + y) % subdomains.length]);
        }});
        const credit = document.getElementById("attribution");
        if (credit) { credit.textContent = BASEMAP.attribution || ""; credit.hidden = !BASEMAP.attribution; }
      }
      if (tiled) layers.push({group: gTiles, maxZoom: 20, cls: "facility-tile", style: () => tileStyle, load: options.loadTile,
                              url: (z, x, y) => options.facilityTiles(z, x, y, JSON.parse(tileStyle))});
      render();
      enableMoving(svg, W, H, projection, layers);
    }

    // Pan and zoom (the wheel or a pinch zooms about the pointer, a drag pans, a double click goes back to the whole
    // map), a scale bar, and the tile layers following the view. The view is kept when the map is drawn again
    // (another target, language or day).
    function enableMoving(svg, W, H, projection, layers) {
      const home = [0, 0, W, H];
      const kept = svg.__moving;
      let view = kept && kept.W === W && kept.H === H ? kept.view : home.slice();
      const pointers = new Map();
      const bar = document.getElementById("scalebar");
      const svgNS = "http://www.w3.org/2000/svg";
      function zoom() { return W / view[2]; }
      function unitsPerPixel() {
        const box = svg.getBoundingClientRect();
        return Math.max(view[2] / Math.max(1, box.width), view[3] / Math.max(1, box.height));
      }
      function show() {
        svg.setAttribute("viewBox", view.map(v => v.toFixed(3)).join(" "));
        svg.__moving = {W, H, view};
        svg.dataset.zoom = zoom().toFixed(3);
        const z = zoom();
        svg.style.setProperty("--zoom", z);
        const pixelsPerUnit = 1 / unitsPerPixel();
        svg.querySelectorAll("text.label").forEach(t => {
          t.style.fontSize = (12 / z) + "px";
          t.style.display = Number(t.dataset.width) * pixelsPerUnit >= t.textContent.length * 12 + 4 ? "" : "none";
        });
        scheduleTiles();
        if (!bar) return;
        // Metres on the ground per screen pixel at the view's middle latitude (Mercator stretches by 1 / cos).
        const worldY = projection.y0 + (view[1] + view[3] / 2 - projection.pad) / projection.s;
        const lat = Math.atan(Math.sinh(Math.PI * (1 - 2 * worldY)));
        const metresPerPixel = unitsPerPixel() / projection.s * 40075016.686 * Math.cos(lat);
        const target = metresPerPixel * 120;
        const power = Math.pow(10, Math.floor(Math.log10(target)));
        const length = [5, 2, 1].map(k => k * power).find(v => v <= target) || power;
        bar.querySelector(".bar").style.width = (length / metresPerPixel).toFixed(0) + "px";
        bar.querySelector(".label").textContent = length >= 1000 ? t("page.scale-bar.km", length / 1000) : t("page.scale-bar.m", length);
        bar.dataset.metres = String(length);
      }
      // The tiles that cover the view at the zoom closest to the screen's scale; those no longer needed go.
      let pending = null;
      function scheduleTiles() {
        if (!layers.length || pending) return;
        pending = setTimeout(() => { pending = null; updateTiles(); }, 60);
      }
      function updateTiles() {
        const box = svg.getBoundingClientRect();
        if (!box.width || !box.height) return;
        const upp = unitsPerPixel(), cx = view[0] + view[2] / 2, cy = view[1] + view[3] / 2;
        const half = [box.width * upp / 2, box.height * upp / 2];
        const world = (u, origin) => origin + (u - projection.pad) / projection.s;
        const wx = [world(cx - half[0], projection.x0), world(cx + half[0], projection.x0)];
        const wy = [world(cy - half[1], projection.y0), world(cy + half[1], projection.y0)];
        let count = 0;
        layers.forEach(layer => {
          const z = Math.max(0, Math.min(layer.maxZoom, Math.round(Math.log2(projection.s / upp / 256))));
          const n = Math.pow(2, z), style = layer.style();
          const x0 = Math.max(0, Math.floor(wx[0] * n)), x1 = Math.min(n - 1, Math.floor(wx[1] * n));
          const y0 = Math.max(0, Math.floor(wy[0] * n)), y1 = Math.min(n - 1, Math.floor(wy[1] * n));
          const wanted = new Map();
          if ((x1 - x0 + 1) * (y1 - y0 + 1) <= 400)
            for (let x = x0; x <= x1; x++) for (let y = y0; y <= y1; y++) wanted.set(style + "|" + z + "/" + x + "/" + y, [z, x, y]);
          layer.images = layer.images || new Map();
          layer.images.forEach((image, key) => {
            if (wanted.has(key)) return;
            image.remove();
            if (image.__blob) URL.revokeObjectURL(image.__blob);
            layer.images.delete(key);
          });
          wanted.forEach(([z, x, y], key) => {
            if (layer.images.has(key)) return;
            const image = document.createElementNS(svgNS, "image");
            const size = projection.s / n;
            image.setAttribute("x", (projection.pad + (x / n - projection.x0) * projection.s).toFixed(4));
            image.setAttribute("y", (projection.pad + (y / n - projection.y0) * projection.s).toFixed(4));
            // A hair wider than the tile, so that no seam shows between two.
            image.setAttribute("width", (size * 1.002).toFixed(4));
            image.setAttribute("height", (size * 1.002).toFixed(4));
            image.setAttribute("preserveAspectRatio", "none");
            if (layer.cls) image.setAttribute("class", layer.cls);
            image.dataset.tile = z + "/" + x + "/" + y;
            image.addEventListener("load", () => { image.dataset.loaded = "1"; });
            layer.group.appendChild(image);
            layer.images.set(key, image);
            const address = layer.url(z, x, y);
            if (layer.load) layer.load(address).then(blob => {
              if (!layer.images.has(key)) { URL.revokeObjectURL(blob); return; }
              image.__blob = blob;
              image.setAttribute("href", blob);
            }).catch(() => { image.dataset.failed = "1"; });
            else image.setAttribute("href", address);
          });
          count += wanted.size;
        });
        svg.dataset.tiles = String(count);
      }
      svg.__updateTiles = scheduleTiles;
      function zoomAbout(factor, clientX, clientY) {
        const box = svg.getBoundingClientRect();
        const scale = Math.max(view[2] / box.width, view[3] / box.height);
        const x = view[0] + (clientX - box.left) * scale, y = view[1] + (clientY - box.top) * scale;
        const width = Math.min(W, Math.max(W / 65536, view[2] / factor)), height = width * H / W;
        const k = width / view[2];
        view = [x - (x - view[0]) * k, y - (y - view[1]) * k, width, height];
        show();
      }
      svg.onwheel = e => { e.preventDefault(); zoomAbout(Math.exp(-e.deltaY * 0.0015), e.clientX, e.clientY); };
      svg.ondblclick = () => { view = home.slice(); show(); };
      svg.onpointerdown = e => { pointers.set(e.pointerId, [e.clientX, e.clientY]); svg.setPointerCapture(e.pointerId); };
      svg.onpointermove = e => {
        const last = pointers.get(e.pointerId);
        if (!last) return;
        const box = svg.getBoundingClientRect();
        const scale = Math.max(view[2] / box.width, view[3] / box.height);
        if (pointers.size === 1) {
          view = [view[0] - (e.clientX - last[0]) * scale, view[1] - (e.clientY - last[1]) * scale, view[2], view[3]];
          pointers.set(e.pointerId, [e.clientX, e.clientY]);
          show();
        } else if (pointers.size === 2) {
          const other = [...pointers.entries()].find(([id]) => id !== e.pointerId)[1];
          const before = Math.hypot(last[0] - other[0], last[1] - other[1]);
          const after = Math.hypot(e.clientX - other[0], e.clientY - other[1]);
          pointers.set(e.pointerId, [e.clientX, e.clientY]);
          if (before > 0) zoomAbout(after / before, (e.clientX + other[0]) / 2, (e.clientY + other[1]) / 2);
        }
      };
      svg.onpointerup = svg.onpointercancel = e => { pointers.delete(e.pointerId); };
      window.onresize = scheduleTiles;
      show();
    }
    """#

    static let template = #"""
    <!DOCTYPE html>
    <html lang="en" data-lang="en">
    <head>
    <meta charset="utf-8">
    <title><!--TITLE--> — FacilityMap coverage</title>
    <style>
      body { margin: 0; font: 14px/1.4 "Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC", sans-serif; color: #222; background: #f7f7f5; }
      header { padding: 10px 16px; background: #fff; border-bottom: 1px solid #ddd; display: flex; flex-wrap: wrap; gap: 12px; align-items: center; }
      header h1 { font-size: 18px; margin: 0 12px 0 0; }
      select { font: inherit; padding: 3px 6px; max-width: 420px; }
      #summary { color: #444; }
      main { display: flex; }
      #map { flex: 1; height: calc(100vh - 60px); min-height: 520px; touch-action: none; cursor: grab; }
      #map path, #map circle { vector-effect: non-scaling-stroke; }
      #map circle.facility { transform-box: fill-box; transform-origin: center; transform: scale(calc(1 / var(--zoom, 1))); }
      #map-box { flex: 1; position: relative; display: flex; }
      #scalebar { position: absolute; left: 12px; bottom: 12px; background: #fffc; padding: 2px 6px; font-size: 12px; pointer-events: none; }
      #scalebar .bar { height: 4px; border: 1px solid #222; border-top: none; margin-top: 2px; }
      #attribution { position: absolute; right: 0; bottom: 0; background: #fffc; padding: 1px 6px; font-size: 11px; color: #333; }
      #map.with-basemap path.district { fill-opacity: 0.55; }
      #map image { pointer-events: none; }
      aside { width: 280px; padding: 12px 16px; background: #fff; border-left: 1px solid #ddd; overflow-y: auto; height: calc(100vh - 84px); }
      aside h2 { font-size: 14px; margin: 14px 0 6px; }
      .swatch { display: inline-block; width: 12px; height: 12px; margin-right: 6px; vertical-align: -1px; border: 1px solid #0003; }
      .dot { border-radius: 50%; }
      .legend-row { margin: 2px 0; font-size: 13px; }
      path.district { stroke: #fff; stroke-width: 1.2; cursor: pointer; }
      path.district:hover { stroke: #000; stroke-width: 2; }
      circle.area-point { stroke: #fff; stroke-width: 1; cursor: pointer; fill-opacity: 0.9; }
      circle.area-point:hover { stroke: #000; stroke-width: 2; }
      path.outline { fill: none; stroke: #333; stroke-width: 1.6; }
      circle.facility { stroke: none; opacity: 0.75; }
      path.uncovered { stroke: #000; stroke-width: 1.4; fill: none; }
      path.reach { fill: #2c7fb8; fill-opacity: 0.3; stroke: #2c7fb8; stroke-width: 0.6; pointer-events: none; }
      .proposed { stroke: #6a3d9a; stroke-width: 2; fill: #fff; fill-opacity: 0.6; }
      .proposed.converts { fill: none; }
      text.label { font-size: 12px; fill: #222; paint-order: stroke; stroke: #fff; stroke-width: 3px; pointer-events: none; text-anchor: middle; }
      #tip { position: fixed; pointer-events: none; background: #fff; border: 1px solid #999; border-radius: 4px; padding: 6px 8px; box-shadow: 0 2px 6px #0003; display: none; font-size: 13px; }
      #tip b { display: block; margin-bottom: 2px; }
      .unmet { color: #b2182b; font-weight: bold; }
      .met { color: #1a9850; font-weight: bold; }
    </style>
    </head>
    <body>
    <header>
      <h1><!--TITLE--></h1>
      <!--CONTROLS-->
      <label><span data-t="page.target">Target</span> <select id="target"></select></label>
      <label><span data-t="page.language">Language</span> <select id="lang"><option value="zh">中文</option><option value="en">English</option></select></label>
      <span id="summary"></span>
    </header>
    <main>
      <div id="map-box"><svg id="map" xmlns="http://www.w3.org/2000/svg"></svg><div id="scalebar"><span class="label"></span><div class="bar"></div></div><div id="attribution" hidden></div></div>
      <aside>
        <div id="meta"></div>
        <h2 data-t="page.attainment">Attainment (actual ÷ goal)</h2>
        <div id="scale"></div>
        <h2 data-t="page.facilities-by-kind">Facilities by kind</h2>
        <div id="kinds"></div>
        <h2 data-t="page.uncovered-units">Uncovered units</h2>
        <div class="legend-row" style="white-space: normal"><svg width="14" height="14"><path class="uncovered" d="M3 3L11 11M11 3L3 11"/></svg> <span data-t="page.uncovered-legend">a community or village with no facility of the target's kinds (unit coverage targets)</span></div>
        <div class="legend-row" id="uncovered-count"></div>
        <div id="reach-legend" style="display: none">
          <h2 data-t="page.reach">Service areas</h2>
          <div class="legend-row" style="white-space: normal"><svg width="14" height="14"><path class="reach" d="M1 4H13V10H1Z"/></svg> <span data-t="page.reach-legend">the roads from which a facility of the target's kinds is reached within its reach, widened 20 m</span></div>
        </div>
        <div id="proposed-legend" style="display: none">
          <h2 data-t="page.proposed">Proposed (suggest)</h2>
          <div class="legend-row" style="white-space: normal"><svg width="14" height="14"><path class="proposed" d="M7 1.5L12.5 7L7 12.5L1.5 7Z"/></svg> <span data-t="page.proposed-new">a new facility the target needs</span></div>
          <div class="legend-row" style="white-space: normal"><svg width="14" height="14"><circle class="proposed converts" cx="7" cy="7" r="5"/></svg> <span data-t="page.proposed-convert">an existing facility to convert</span></div>
        </div>
      </aside>
    </main>
    <!--BELOW-->
    <div id="tip"></div>
    <script>
    /*I18N*/
    /*SCRIPT*/
    /*MAIN*/
    </script>
    </body>
    </html>
    """#
}
