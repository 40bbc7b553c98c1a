import FacilityMapKit

/// The page served at `/`: the coverage map of `facilitymap map` drawn from the API, with pickers for the goal
/// year, the day and the areas, the per-target table with shortfalls, and an upload form for token holders.
enum RegistryPage {
    static func html(title: String) -> String {
        CoverageMap.page(title: title, controls: controls, below: below, main: script)
    }

    static let controls = """
          <label>Year <select id="year"><option value="">next goal</option></select></label>
          <label>As of <input id="asof" type="date"></label>
          <label>Areas <select id="by"><option value="district">district 区县</option><option value="township">township 乡镇街道</option><option value="city">city 市</option></select></label>
          <span id="status" role="status"></span>
        """

    static let below = """
        <section id="tables">
          <h2>Targets <small id="report-meta"></small></h2>
          <table id="targets-table"><thead><tr><th>target</th><th>title</th><th>actual</th><th>goal</th><th>met</th><th>shortfall</th><th>areas not met</th></tr></thead><tbody></tbody></table>
          <h2>By area: <span id="area-target"></span></h2>
          <table id="areas-table"><thead><tr><th>code</th><th>area</th><th>numerator</th><th>denominator</th><th>actual</th><th>goal</th><th>met</th><th>shortfall</th></tr></thead><tbody></tbody></table>
        </section>
        <section id="upload">
          <h2>Upload 上报 (token holders)</h2>
          <form id="upload-form">
            <label>Token <input id="token" type="password" autocomplete="off" size="34" placeholder="fm_…"></label>
            <label>Layer <select id="layer"><option value="facilities">facilities 设施 (CSV, Excel, GeoJSON, zipped Shapefile)</option><option value="units">units 区划 (GeoJSON, zipped Shapefile, CSV, Excel)</option></select></label>
            <label>Coordinates <select id="crs"><option value="wgs84">WGS-84</option><option value="gcj02">GCJ-02 (高德/腾讯)</option><option value="bd09">BD-09 (百度)</option><option value="cgcs2000">CGCS2000</option></select></label>
            <label>Sheet 工作表 <input id="sheet" size="10" placeholder="first"></label>
            <label><input id="strict" type="checkbox"> strict: any bad row refuses the file</label>
            <input id="file" type="file" accept=".csv,.xlsx,.xls,.geojson,.json,.zip,text/csv,application/geo+json,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet,application/vnd.ms-excel,application/zip">
            <button id="send" type="submit">Upload</button>
          </form>
          <div id="upload-result" role="status"></div>
          <a id="rejects-download" hidden>Download the rejected rows 下载未导入的行 (CSV, to fix and upload again)</a>
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
        let report = null;

        // A private registry's page: the token given at sign-in, kept for this tab only, goes with every request.
        const tokenKey = "facilitymap-token";
        async function getJSON(url, options) {
          options = Object.assign({}, options);
          const kept = sessionStorage.getItem(tokenKey);
          options.headers = Object.assign(kept ? {"Authorization": "Bearer " + kept} : {}, options.headers || {});
          const response = await fetch(url, options);
          let body = null;
          try { body = await response.json(); } catch (e) { body = {error: response.status + " " + response.statusText}; }
          return {ok: response.ok, status: response.status, body};
        }
        function query() {
          const p = new URLSearchParams();
          if ($("year").value) p.set("year", $("year").value);
          if ($("asof").value) p.set("as_of", $("asof").value);
          p.set("by", $("by").value);
          return p.toString();
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
          const share = t.metric === "unit_coverage" || t.metric === "share" || (t.metric === "count" && !!t.per_area);
          return share && !(areaRow && t.per_area === report.by);
        }
        function metText(m) { return m === null || m === undefined ? "not judged" : (m ? "yes" : "NO"); }

        function drawTables() {
          if (!report) return;
          const chosen = $("target").value;
          $("report-meta").textContent = `${report.plan} · goals of ${report.year} · facilities open on ${report.as_of} · by ${report.by}`;
          const body = $("targets-table").querySelector("tbody");
          body.textContent = "";
          report.targets.forEach(t => {
            const row = document.createElement("tr");
            row.dataset.target = t.id;
            if (t.id === chosen) row.className = "chosen";
            cell(row, t.id); cell(row, t.title);
            cell(row, number(t.total.actual, isShare(t)), true); cell(row, number(t.total.goal, isShare(t)), true);
            cell(row, metText(t.total.met)); cell(row, number(t.total.shortfall), true);
            cell(row, t.areas.filter(a => a.met === false).length, true);
            row.onclick = () => { $("target").value = t.id; $("target").onchange(); };
            body.appendChild(row);
          });
          const target = report.targets.find(t => t.id === chosen) || report.targets[0];
          const areas = $("areas-table").querySelector("tbody");
          areas.textContent = "";
          if (!target) return;
          $("area-target").textContent = `${target.id} — ${target.title}`;
          target.areas.concat([Object.assign({total: true}, target.total)]).forEach(a => {
            const row = document.createElement("tr");
            cell(row, a.code); cell(row, a.total ? a.name + " (total)" : a.name);
            cell(row, number(a.numerator), true); cell(row, number(a.denominator), true);
            cell(row, a.actual === null ? (a.note || "–") : number(a.actual, isShare(target, !a.total)), true);
            cell(row, number(a.goal, isShare(target, !a.total)), true); cell(row, metText(a.met)); cell(row, number(a.shortfall), true);
            areas.appendChild(row);
          });
        }

        async function load() {
          $("status").textContent = "loading…";
          const [map, coverage] = await Promise.all([getJSON("/api/map?" + query()), getJSON("/api/coverage?" + query())]);
          if (!map.ok || !coverage.ok) { $("status").textContent = (map.ok ? coverage : map).body.error; return; }
          drawCoverage(map.body);
          report = coverage.body;
          const draw = $("target").onchange;
          $("target").onchange = () => { draw(); drawTables(); };
          drawTables();
          $("status").textContent = "";
          document.body.dataset.loads = String(Number(document.body.dataset.loads || 0) + 1);
        }

        async function upload(event) {
          event.preventDefault();
          const file = $("file").files[0];
          const result = $("upload-result"), rejects = $("rejects"), download = $("rejects-download");
          rejects.textContent = "";
          download.hidden = true;
          if (download.href) { URL.revokeObjectURL(download.href); download.removeAttribute("href"); }
          result.className = "";
          if (!file) { result.textContent = "choose a file first"; result.className = "bad"; return; }
          const p = new URLSearchParams({file: file.name, crs: $("crs").value});
          if ($("strict").checked) p.set("strict", "true");
          if ($("sheet").value.trim()) p.set("sheet", $("sheet").value.trim());
          result.textContent = "uploading " + file.name + "…";
          const answer = await getJSON(`/api/${$("layer").value}?` + p, {
            method: "POST", body: file,
            headers: {"Authorization": "Bearer " + ($("token").value.trim() || sessionStorage.getItem(tokenKey) || ""), "Content-Type": file.name.endsWith(".csv") ? "text/csv" : "application/geo+json"}});
          const b = answer.body;
          result.textContent = b.error ? `${answer.status}: ${b.error}` : b.line;
          result.className = answer.ok ? "ok" : "bad";
          (b.rejections || []).forEach(r => { const li = document.createElement("li"); li.textContent = r.text; rejects.appendChild(li); });
          if (b.header && (b.rejections || []).length) {
            // As `import --rejects` writes them: the file's columns and a reason, UTF-8 with a byte order mark for Excel.
            const quote = v => /[",\r\n]|^\s|\s$/.test(v) ? '"' + v.replace(/"/g, '""') + '"' : v;
            const reasonAt = b.header.findIndex(h => h.trim().toLowerCase() === "reason");
            const lines = [(reasonAt < 0 ? b.header.concat(["reason"]) : b.header).map(quote).join(",")];
            b.rejections.forEach(r => {
              const cells = r.fields.concat(Array(Math.max(0, b.header.length - r.fields.length)).fill(""));
              const reason = `line ${r.line}: ${r.field}: ${r.message}`;
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
          label.textContent = "This registry is private: sign in with your token 登录 ";
          const input = document.createElement("input");
          input.id = "signin-token"; input.type = "password"; input.autocomplete = "off"; input.size = 34; input.placeholder = "fm_…";
          const button = document.createElement("button");
          button.id = "signin-send"; button.type = "submit"; button.textContent = "Sign in";
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
          document.title = plan.body.plan + " — FacilityMap coverage";
          document.querySelector("header h1").textContent = plan.body.plan;
          if (sessionStorage.getItem(tokenKey) && !$("token").value) $("token").value = sessionStorage.getItem(tokenKey);
          plan.body.years.forEach(y => { const o = document.createElement("option"); o.value = y; o.textContent = y; $("year").appendChild(o); });
          const address = new URLSearchParams(location.search);
          ["year", "by"].forEach(k => { if (address.get(k)) $(k).value = address.get(k); });
          if (address.get("as_of")) $("asof").value = address.get("as_of");
          ["year", "asof", "by"].forEach(k => $(k).addEventListener("change", () => { history.replaceState(null, "", "?" + query() + location.hash); load(); }));
          $("upload-form").addEventListener("submit", upload);
          load();
        }
        start();
        """#
}
