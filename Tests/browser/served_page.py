"""Drives the page `facilitymap serve` serves at / in headless Chromium (selenium + Debian's chromedriver).

Usage: served_page.py URL TOKEN CSV SCREENSHOT [WORKBOOK SHEET] — prints what it saw as one JSON object.
It waits for the page to load and draw, switches the target and the goal year, uploads CSV with TOKEN,
and reads the rejections the page shows; then uploads WORKBOOK's sheet SHEET (when given) the same way.
"""
import json
import sys
import time

from chromium import chromium
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

url, token, csv, screenshot = sys.argv[1:5]
workbook, sheet = (sys.argv[5:7] + [None, None])[:2]
driver = chromium(1280, 1100)
seen = {}
try:
    wait = WebDriverWait(driver, 60)
    body = lambda: driver.find_element(By.TAG_NAME, "body")
    text = lambda element_id: driver.find_element(By.ID, element_id).text
    driver.get(url)
    wait.until(lambda d: body().get_attribute("data-loads") == "1")
    seen["title"] = driver.title
    seen["districts"] = int(driver.find_element(By.ID, "map").get_attribute("data-districts"))
    seen["facilities"] = int(driver.find_element(By.ID, "map").get_attribute("data-facilities"))
    # The facilities come as the registry's tiles: each loaded, 256 pixels square, some painted.
    wait.until(lambda d: d.execute_script("const t = [...document.querySelectorAll('image.facility-tile')]; return t.length > 0 && t.every(i => i.dataset.loaded)"))
    seen["facility_tiles"] = driver.execute_async_script("""
        const done = arguments[arguments.length - 1];
        const tiles = [...document.querySelectorAll('image.facility-tile')];
        Promise.all(tiles.map(t => new Promise(resolve => {
            const img = new Image();
            img.onload = () => {
                const c = document.createElement('canvas'); c.width = img.naturalWidth; c.height = img.naturalHeight;
                const g = c.getContext('2d'); g.drawImage(img, 0, 0);
                const data = g.getImageData(0, 0, c.width, c.height).data;
                let painted = 0; for (let i = 3; i < data.length; i += 4) if (data[i] > 0) painted++;
                resolve([img.naturalWidth, img.naturalHeight, painted]);
            };
            img.onerror = () => resolve([0, 0, 0]);
            img.src = t.getAttribute('href');
        }))).then(done);
    """)
    seen["targets"] = len(driver.find_elements(By.CSS_SELECTOR, "#target option"))
    seen["table_rows"] = len(driver.find_elements(By.CSS_SELECTOR, "#targets-table tbody tr"))
    seen["first_target"] = text("area-target")

    Select(driver.find_element(By.ID, "target")).select_by_value("beds-per-1000")
    wait.until(lambda d: text("area-target") != seen["first_target"])
    seen["switched_target"] = text("area-target")
    seen["summary"] = text("summary")
    seen["area_rows"] = len(driver.find_elements(By.CSS_SELECTOR, "#areas-table tbody tr"))

    wait.until(lambda d: body().get_attribute("data-loads") == "2")
    # The redrawn map's tiles come as they are fetched (with the page's token): wait for one.
    seen["tile_target"] = wait.until(lambda d: d.execute_script(
        "const t = document.querySelector('image.facility-tile[href]'); return t && t.getAttribute('href').slice(0, 5)"))
    Select(driver.find_element(By.ID, "year")).select_by_value("2023")
    wait.until(lambda d: body().get_attribute("data-loads") == "3")
    seen["meta_2023"] = text("report-meta")
    seen["target_kept"] = text("area-target")

    driver.find_element(By.ID, "token").send_keys(token)
    driver.find_element(By.ID, "file").send_keys(csv)
    driver.find_element(By.ID, "send").click()
    wait.until(lambda d: body().get_attribute("data-uploads") == "1")
    seen["upload"] = text("upload-result")
    seen["rejects"] = [li.text for li in driver.find_elements(By.CSS_SELECTOR, "#rejects li")]
    download = driver.find_element(By.ID, "rejects-download")
    seen["rejects_download"] = {"shown": download.is_displayed(), "file": download.get_attribute("download"),
                                "href": (download.get_attribute("href") or "")[:5]}
    wait.until(lambda d: body().get_attribute("data-loads") == "4")
    seen["pwned"] = body().get_attribute("data-pwned") or ""
    # Every drawn shape's tooltip shown once (the map's tooltips name areas; facilities go by kind and point).
    driver.execute_script("""
        document.querySelectorAll('#map path, #map circle').forEach(c => c.dispatchEvent(new MouseEvent('mousemove', {bubbles: true, clientX: 10, clientY: 10})));
    """)
    seen["tip_shown"] = driver.execute_script("return document.getElementById('tip').textContent.length > 0")
    time.sleep(1)  # an <img onerror> in HTML would fire once its load fails
    seen["tooltips_pwned"] = body().get_attribute("data-pwned") or ""
    # A tooltip goes when the target changes under it.
    seen["tip_after_change"] = driver.execute_script("""
        document.querySelector('#map .district').dispatchEvent(new MouseEvent('mousemove', {bubbles: true, clientX: 10, clientY: 10}));
        const shown = getComputedStyle(document.getElementById('tip')).display;
        const select = document.getElementById('target');
        select.selectedIndex = (select.selectedIndex + 1) % select.options.length;
        select.dispatchEvent(new Event('change'));
        return [shown, getComputedStyle(document.getElementById('tip')).display, select.value];
    """)
    # The other target's data loads: its areas fill the table.
    wait.until(lambda d: text("area-target").startswith(seen["tip_after_change"][2] + " "))
    seen["tip_after_change"] = seen["tip_after_change"][:2]
    # Townships are points: drawn as symbols coloured by attainment and sized by population.
    loads = body().get_attribute("data-loads")
    Select(driver.find_element(By.ID, "by")).select_by_value("township")
    wait.until(lambda d: body().get_attribute("data-loads") != loads)
    loads = body().get_attribute("data-loads")
    Select(driver.find_element(By.ID, "target")).select_by_value("beds-per-1000")
    wait.until(lambda d: body().get_attribute("data-loads") != loads)
    points = driver.find_elements(By.CSS_SELECTOR, "#map circle.area-point")
    seen["township_points"] = len(points)
    seen["township_fills"] = sorted(set(p.get_attribute("fill") for p in points))[:50]
    seen["township_radii"] = len(set(p.get_attribute("r") for p in points))
    driver.execute_script("window.scrollTo(0, 0)")
    driver.save_screenshot(screenshot)
    if workbook:
        driver.find_element(By.ID, "sheet").send_keys(sheet)
        driver.find_element(By.ID, "file").send_keys(workbook)
        driver.find_element(By.ID, "send").click()
        wait.until(lambda d: body().get_attribute("data-uploads") == "2")
        seen["workbook_upload"] = text("upload-result")
        seen["workbook_rejects"] = [li.text for li in driver.find_elements(By.CSS_SELECTOR, "#rejects li")]
        seen["workbook_rejects_file"] = driver.find_element(By.ID, "rejects-download").get_attribute("download")
finally:
    driver.quit()
print(json.dumps(seen, ensure_ascii=False))
