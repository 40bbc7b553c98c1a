import FacilityMapKit

/// The page served at `/`: the coverage map of `facilitymap map` drawn from the API, with pickers for the goal
/// year, the day and the areas, the per-target table with shortfalls, and an upload form for token holders.
enum RegistryPage {
    static func html(title: String, basemap: Basemap? = nil) -> String {
        CoverageMap.page(title: title, controls: controls, below: below, main: script, basemap: basemap)
    }

    static let controls = """
          <label><span data-t="page.year">Year</span> <select id="year"><option value="" data-t="page.next-goal">next goal</option></select></label>
          <label><span data-t="page.as-of">As of</span> <input id="asof" type="date"></label>
          <label><span data-t="page.areas">Areas</span> <select id="by"><option value="district" data-t="level.district">district</option><option value="township" data-t="level.township">township</option><option value="city" data-t="level.city">city</option></select></label>
          <span id="status" role="status"></span>
        """

    static let below = """
        <section id="tables">
          <h2><span data-t="page.targets">Targets</span> <small id="report-meta"></small></h2>
          <table id="targets-table"><thead><tr><th data-t="page.th.target">target</th><th data-t="page.th.title">title</th><th data-t="coverage.header.actual">actual</th><th data-t="coverage.header.goal">goal</th><th data-t="coverage.header.met">met</th><th data-t="coverage.header.shortfall">shortfall</th><th data-t="page.th.areas-not-met">areas not met</th></tr></thead><tbody></tbody></table>
          <h2><span data-t="page.by-area">By area:</span> <span id="area-target"></span></h2>
          <table id="areas-table"><thead><tr><th data-t="coverage.header.code">code</th><th data-t="coverage.header.area">area</th><th data-t="page.th.numerator">numerator</th><th data-t="page.th.denominator">denominator</th><th data-t="coverage.header.actual">actual</th><th data-t="coverage.header.goal">goal</th><th data-t="coverage.header.met">met</th><th data-t="coverage.header.shortfall">shortfall</th></tr></thead><tbody></tbody></table>
        </section>
        <section id="upload">
          <h2 data-t="page.upload">Upload (token holders)</h2>
          <form id="upload-form">
            <label><span data-t="page.token">Token</span> <input id="token" type="password" autocomplete="off" size="34" placeholder="fm_…"></label>
            <label><span data-t="page.layer">Layer</span> <select id="layer"><option value="facilities" data-t="page.layer.facilities">facilities (CSV, Excel, GeoJSON, zipped Shapefile)</option><option value="units" data-t="page.layer.units">units (GeoJSON, zipped Shapefile, CSV, Excel)</option></select></label>
            <label><span data-t="page.coordinates">Coordinates</span> <select id="crs"><option value="wgs84">WGS-84</option><option value="gcj02">GCJ-02 (高德/腾讯)</option><option value="bd09">BD-09 (百度)</option><option value="cgcs2000">CGCS2000</option></select></label>
            <label><span data-t="page.sheet">Sheet</span> <input id="sheet" size="10" placeholder="first" data-t-placeholder="page.sheet.first"></label>
            <label><input id="strict" type="checkbox"> <span data-t="page.strict">strict: any bad row refuses the file</span></label>
            <input id="file" type="file" accept=".csv,.xlsx,.xls,.geojson,.json,.zip,text/csv,application/geo+json,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet,application/vnd.ms-excel,application/zip">
            <button id="send" type="submit" data-t="page.send">Upload</button>
          </form>
          <div id="upload-result" role="status"></div>
          <a id="rejects-download" hidden data-t="page.download-rejects">Download the rejected rows (CSV, to fix and upload again)</a>
          <ul id="rejects"></ul>
        </section>
        <style>
          #map { height: 64vh; min-height: 420px; }
          aside { height: calc(64vh - 24px); min-height: 396px; }
          #tables, #upload { background: #fff; border-top: 1px solid #ddd; padding: 8px 16px 16px; }
          #tables h2, #upload h2 { font-size: 15px; margin: 12px 0 6px; }
          #tables small { font-weight: normal; color: #666; }
          table { border-collapse: collapse; font-size: 13px; }
          th, td { padding: 3px 8px; border-bottom: 1px solid #eee; text-align: left; }
          td.num { text-align: right; font-variant-numeric: tabular-nums; }
          #targets-table tbody tr { cursor: pointer; }
          #targets-table tr.chosen { background: #fff6d5; }
          #upload-form { display: flex; flex-wrap: wrap; gap: 10px; align-items: center; }
          #upload-result.ok { color: #1a9850; } #upload-result.bad { color: #b2182b; }
          #rejects { font: 12px/1.5 ui-monospace, monospace; color: #b2182b; max-height: 240px; overflow-y: auto; }
          #status { color: #b2182b; }
        </style>
        """

    static let script = #"""
        const $ = id => document.getElementById(id);
        const text = t => String(t === null || t === undefined ? "–" : t);
        // The map data asks for one target's areas and no facilities (they come as tiles): the first view of a
        // nation-sized registry stays small. `chosen` is the target shown.
        let report = null, lastMap = null, chosen = null;

        // A private registry's page: the token given at sign-in, kept for this tab only, goes with every request.
        const tokenKey = "facilitymap-token";
        function authorization() {
          const kept = sessionStorage.getItem(tokenKey);
          return kept ? {"Authorization": "Bearer " + kept} : {};
        }
        async function getJSON(url, options) {
          options = Object.assign({}, options);
          options.headers = Object.assign(authorization(), options.headers || {});
          const response = await fetch(url, options);
          let body = null;
          try { body = await response.json(); } catch (e) { body = {error: response.status + " " + response.statusText}; }
          return {ok: response.ok, status: response.status, body};
        }
        // A tile fetched with the token, as an address the map's <image> can show.
        async function loadTile(url) {
          const response = await fetch(url, {headers: authorization()});
          if (!response.ok) throw new Error(response.status);
          return URL.createObjectURL(await response.blob());
        }
        function query() {
          const p = new URLSearchParams();
          if ($("year").value) p.set("year", $("year").value);
          if ($("asof").value) p.set("as_of", $("asof").value);
          p.set("by", $("by").value);
          return p.toString();
        }
        function facilityTiles(z, x, y, style) {
          const [target, hidden, uncovered] = style;
          const p = new URLSearchParams({as_of: report.asOf, v: String(report.version)});
          if (target) p.set("target", target);
          if (hidden.length) p.set("hide", hidden.join(","));
          if (uncovered) p.set("uncovered", "true");
          return `/api/tiles/${z}/${x}/${y}.png?` + p;
        }
        function cell(row, value, numeric) {
          const td = document.createElement("td");
          td.textContent = text(value);
          if (numeric) td.className = "num";
          row.appendChild(td);
        }
        function number(v, share) {
          if (v === null || v === undefined) return "–";
          if (share) return (v * 100).toFixed(1) + "%";
          return Number.isInteger(v) ? v.toLocaleString("en") : v.toFixed(2);
        }
        // As the terminal shows them (CoverageFormatter.showsShares): shares as percentages, but a per-area count's
        // own areas as counts.
        function isShare(t, areaRow) {
          return !!t.share && !(areaRow && t.perArea === report.by);
        }
        function metText(m) { return m === null || m === undefined ? t("page.not-judged") : t(m ? "coverage.met.yes" : "coverage.met.no"); }

        function drawTables() {
          if (!report) return;
          $("report-meta").textContent = t("page.report-meta", report.plan, report.year, report.asOf, t("level." + report.by));
          const body = $("targets-table").querySelector("tbody");
          body.textContent = "";
          report.targets.forEach(t => {
            const row = document.createElement("tr");
            row.dataset.target = t.id;
            if (t.id === chosen) row.className = "chosen";
            cell(row, t.id); cell(row, t.title);
            cell(row, number(t.total.actual, isShare(t)), true); cell(row, number(t.total.goal, isShare(t)), true);
            cell(row, metText(t.total.met)); cell(row, number(t.total.shortfall), true);
            cell(row, t.notMet, true);
            row.onclick = () => { $("target").value = t.id; $("target").onchange(); };
            body.appendChild(row);
          });
          const target = report.targets.find(t => t.id === chosen) || report.targets[0];
          const areas = $("areas-table").querySelector("tbody");
          areas.textContent = "";
          if (!target) return;
          $("area-target").textContent = `${target.id} — ${target.title}`;
          const rows = report.areaNames.filter(([code]) => target.areas[code]).map(([code, name]) => Object.assign({code, name}, target.areas[code]));
          rows.concat([Object.assign({total: true, name: target.totalName}, target.total)]).forEach(a => {
            const row = document.createElement("tr");
            cell(row, a.code); cell(row, a.total ? t("coverage.total", a.name) : a.name);
            cell(row, number(a.numerator), true); cell(row, number(a.denominator), true);
            cell(row, a.actual === null ? (noteText(a) || "–") : number(a.actual, isShare(target, !a.total)), true);
            cell(row, number(a.goal, isShare(target, !a.total)), true); cell(row, metText(a.met)); cell(row, number(a.shortfall), true);
            areas.appendChild(row);
          });
        }

        // The chosen target's data; another target, day or year loads again (each answer is kept by the server).
        async function load() {
          $("status").textContent = t("page.loading");
          const p = new URLSearchParams(query());
          p.set("facilities", "tiles");
          if (chosen) p.set("target", chosen);
          const map = await getJSON("/api/map?" + p);
          if (!map.ok) { $("status").textContent = map.body.error; return; }
          lastMap = report = map.body;
          draw();
          $("status").textContent = "";
          document.body.dataset.loads = String(Number(document.body.dataset.loads || 0) + 1);
        }
        function draw() {
          drawCoverage(lastMap, {facilityTiles, loadTile});
          $("target").value = chosen;
          $("target").onchange = () => {
            chosen = $("target").value;
            $("tip").style.display = "none";
            history.replaceState(null, "", location.search + "#" + chosen);
            load();
          };
          drawTables();
        }

        // An upload's outcome, said in the page's language (the API gives each rejection's reason as keys and values).
        let lastUpload = null;
        function showUpload(answer) {
          const b = answer.body, result = $("upload-result"), rejects = $("rejects");
          const rows = t(b.rows === 1 ? "import.rows.one" : "import.rows.other", b.rows);
          result.textContent = b.error ? `${answer.status}: ${b.error}`
            : t(b.committed ? "import.summary" : "import.summary.strict", rows, b.new, b.updated, b.unchanged, b.rejected);
          result.className = answer.ok ? "ok" : "bad";
          rejects.textContent = "";
          const placeOf = r => r.text.slice(0, r.text.length - (r.field + ": " + r.message).length);
          (b.rejections || []).forEach(r => {
            const li = document.createElement("li");
            li.textContent = r.reason ? `${placeOf(r)}${r.field}: ${say(r.reason)}` : r.text;
            rejects.appendChild(li);
          });
        }

        async function upload(event) {
          event.preventDefault();
          const file = $("file").files[0];
          const result = $("upload-result"), rejects = $("rejects"), download = $("rejects-download");
          rejects.textContent = "";
          download.hidden = true;
          if (download.href) { URL.revokeObjectURL(download.href); download.removeAttribute("href"); }
          result.className = "";
          if (!file) { result.textContent = t("page.choose-file"); result.className = "bad"; return; }
          const p = new URLSearchParams({file: file.name, crs: $("crs").value});
          if ($("strict").checked) p.set("strict", "true");
          if ($("sheet").value.trim()) p.set("sheet", $("sheet").value.trim());
          result.textContent = t("page.uploading", file.name);
          const answer = await getJSON(`/api/${$("layer").value}?` + p, {
            method: "POST", body: file,
            headers: {"Authorization": "Bearer " + ($("token").value.trim() || sessionStorage.getItem(tokenKey) || ""), "Content-Type": file.name.endsWith(".csv") ? "text/csv" : "application/geo+json"}});
          const b = answer.body;
          lastUpload = answer;
          showUpload(answer);
          if (b.header && (b.rejections || []).length) {
            // As `import --rejects` writes them: the file's columns and a reason, UTF-8 with a byte order mark for Excel.
            const quote = v => /[",\r\n]|^\s|\s$/.test(v) ? '"' + v.replace(/"/g, '""') + '"' : v;
            const reasonAt = b.header.findIndex(h => h.trim().toLowerCase() === "reason");
            const lines = [(reasonAt < 0 ? b.header.concat(["reason"]) : b.header).map(quote).join(",")];
            b.rejections.forEach(r => {
              const cells = r.fields.concat(Array(Math.max(0, b.header.length - r.fields.length)).fill(""));
              const reason = r.cell ? `${r.cell}: ${r.field}: ${say(r.reason) || r.message}` : t("page.rejects.reason", r.line, r.field, say(r.reason) || r.message);
              if (reasonAt < 0) cells.push(reason); else cells[reasonAt] = reason;
              lines.push(cells.map(quote).join(","));
            });
            download.href = URL.createObjectURL(new Blob(["\ufeff" + lines.join("\n") + "\n"], {type: "text/csv;charset=utf-8"}));
            download.download = file.name.replace(/\.[^.]*$/, "") + "-rejects.csv";
            download.hidden = false;
          }
          document.body.dataset.uploads = String(Number(document.body.dataset.uploads || 0) + 1);
          if (b.committed && (b.new > 0 || b.updated > 0)) load();
        }

        function signIn(message) {
          const form = document.createElement("form");
          form.id = "signin";
          const label = document.createElement("label");
          label.textContent = t("page.signin") + " ";
          const input = document.createElement("input");
          input.id = "signin-token"; input.type = "password"; input.autocomplete = "off"; input.size = 34; input.placeholder = "fm_…";
          const button = document.createElement("button");
          button.id = "signin-send"; button.type = "submit"; button.textContent = t("page.signin.send");
          const note = document.createElement("span");
          note.id = "signin-error"; note.textContent = message || "";
          label.appendChild(input); form.append(label, button, note);
          document.querySelector("header").after(form);
          form.addEventListener("submit", event => {
            event.preventDefault();
            sessionStorage.setItem(tokenKey, input.value.trim());
            form.remove();
            start();
          });
        }

        async function start() {
          const plan = await getJSON("/api/plan");
          if (plan.status === 401) {
            const tried = sessionStorage.getItem(tokenKey);
            sessionStorage.removeItem(tokenKey);
            signIn(tried ? plan.body.error : "");
            return;
          }
          if (!plan.ok) { $("status").textContent = plan.body.error; return; }
          document.title = t("page.title", plan.body.plan);
          document.querySelector("header h1").textContent = plan.body.plan;
          if (sessionStorage.getItem(tokenKey) && !$("token").value) $("token").value = sessionStorage.getItem(tokenKey);
          plan.body.years.forEach(y => { const o = document.createElement("option"); o.value = y; o.textContent = y; $("year").appendChild(o); });
          const fromHash = plan.body.targets.find(t => "#" + t.id === decodeURIComponent(location.hash));
          chosen = (fromHash || plan.body.targets[0] || {}).id || null;
          const address = new URLSearchParams(location.search);
          ["year", "by"].forEach(k => { if (address.get(k)) $(k).value = address.get(k); });
          if (address.get("as_of")) $("asof").value = address.get("as_of");
          ["year", "asof", "by"].forEach(k => $(k).addEventListener("change", () => { history.replaceState(null, "", "?" + query() + location.hash); load(); }));
          $("upload-form").addEventListener("submit", upload);
          load();
        }
        // Another language picked: the tables, the map and the upload's outcome said again in it.
        document.addEventListener("facilitymap-language", () => {
          if (lastMap) draw();
          if (lastUpload) showUpload(lastUpload);
          if (report) document.title = t("page.title", report.plan);
        });
        start();
        """#
}
