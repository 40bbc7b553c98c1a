"""The served page's first view in headless Chromium, as a reader gets it: what it transfers and how long it takes.

Usage: first_view.py URL — prints one JSON object: bytes transferred (the page, its data and the tiles of the first
view, as the browser's Resource Timing counts them, compressed as sent), requests, seconds until every tile of the
view has loaded, the facility tiles and the pixels they paint; then the same after zooming in on the registry's first
facility (`zoomed`), to the scale of a town's streets.
"""
import json
import sys
import time

from chromium import chromium
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

url = sys.argv[1]
driver = chromium(1280, 900)
seen = {}

COUNT = """
    const done = arguments[arguments.length - 1];
    const tiles = [...document.querySelectorAll('image.facility-tile')];
    const entries = performance.getEntriesByType('navigation').concat(performance.getEntriesByType('resource'));
    Promise.all(tiles.map(t => new Promise(resolve => {
        const img = new Image();
        img.onload = () => {
            const c = document.createElement('canvas'); c.width = 256; c.height = 256;
            const g = c.getContext('2d'); g.drawImage(img, 0, 0);
            const data = g.getImageData(0, 0, 256, 256).data;
            let painted = 0; for (let i = 3; i < data.length; i += 4) if (data[i] > 0) painted++;
            resolve(painted);
        };
        img.onerror = () => resolve(0);
        img.src = t.getAttribute('href');
    }))).then(painted => done({
        bytes: entries.reduce((sum, e) => sum + (e.transferSize || 0), 0),
        requests: entries.length,
        tiles: tiles.length,
        painted: painted.reduce((a, b) => a + b, 0),
        zoom: document.getElementById('map').dataset.zoom,
        tile: tiles.length ? tiles[0].dataset.tile : null,
    }));
"""


def all_tiles_loaded(d):
    return d.execute_script("const t = [...document.querySelectorAll('image.facility-tile')];"
                            "return t.length > 0 && t.every(i => i.dataset.loaded || i.dataset.failed)")


try:
    wait = WebDriverWait(driver, 600, poll_frequency=0.05)
    start = time.perf_counter()
    driver.get(url)
    wait.until(lambda d: d.find_element(By.TAG_NAME, "body").get_attribute("data-loads") == "1")
    wait.until(all_tiles_loaded)
    seen["seconds"] = time.perf_counter() - start
    seen.update(driver.execute_async_script(COUNT))
    driver.execute_script("performance.clearResourceTimings()")
    start = time.perf_counter()
    # Zoomed in about the registry's first facility, to tiles some 2 km across.
    seen["zoomed_on"] = driver.execute_async_script("""
        const done = arguments[arguments.length - 1];
        fetch('/api/facilities?limit=1').then(r => r.json()).then(b => {
            const f = b.facilities[0], svg = document.getElementById('map');
            const [x, y] = svg.__project(f.lon, f.lat);
            const point = svg.createSVGPoint(); point.x = x; point.y = y;
            const c = point.matrixTransform(svg.getScreenCTM());
            const at = {clientX: c.x, clientY: c.y, bubbles: true, cancelable: true};
            for (let i = 0; i < 12; i++) svg.dispatchEvent(new WheelEvent('wheel', Object.assign({deltaY: -400}, at)));
            done(f.id);
        });
    """)
    time.sleep(0.2)
    wait.until(all_tiles_loaded)
    zoomed = {"seconds": time.perf_counter() - start}
    zoomed.update(driver.execute_async_script(COUNT))
    seen["zoomed"] = zoomed
finally:
    driver.quit()
print(json.dumps(seen))
