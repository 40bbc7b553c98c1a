"""The served page and the offline map over a base map (`--basemap`), in headless Chromium.

Usage: basemap_page.py URL MAP_FILE — prints one JSON object: for each, the base-map tiles laid and loaded, their
zoom before and after zooming in, the credit shown, and whether the areas let the base map show through.
"""
import json
import sys
import time

from chromium import chromium
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

url, map_file = sys.argv[1:3]
seen = {}
LOOK = """
    const base = [...document.querySelectorAll('#map image:not(.facility-tile)')];
    const area = document.querySelector('#map path.district');
    return {tiles: base.length, loaded: base.filter(i => i.dataset.loaded).length,
            zooms: [...new Set(base.map(i => Number(i.dataset.tile.split('/')[0])))],
            first: base.length ? base[0].getAttribute('href') : null,
            credit: document.getElementById('attribution').hidden ? null : document.getElementById('attribution').textContent,
            opacity: area ? getComputedStyle(area).fillOpacity : null};
"""
ZOOM = """
    const svg = document.getElementById('map'), box = svg.getBoundingClientRect();
    const at = {clientX: box.left + box.width / 2, clientY: box.top + box.height / 2, bubbles: true, cancelable: true};
    for (let i = 0; i < 4; i++) svg.dispatchEvent(new WheelEvent('wheel', Object.assign({deltaY: -400}, at)));
"""


def loaded(d):
    return d.execute_script("const b = [...document.querySelectorAll('#map image:not(.facility-tile)')];"
                            "return b.length > 0 && b.every(i => i.dataset.loaded)")


driver = chromium(1280, 900)
try:
    wait = WebDriverWait(driver, 60)
    for name, address in [("page", url), ("file", "file://" + map_file)]:
        driver.get(address)
        wait.until(lambda d: d.find_element(By.ID, "map").get_attribute("data-districts"))
        wait.until(loaded)
        seen[name] = driver.execute_script(LOOK)
        driver.execute_script(ZOOM)
        time.sleep(0.3)
        wait.until(loaded)
        seen[name]["zoomed"] = driver.execute_script(LOOK)["zooms"]
        seen[name]["csp_errors"] = [e["message"] for e in driver.get_log("browser") if "Content Security Policy" in e["message"]]
finally:
    driver.quit()
print(json.dumps(seen, ensure_ascii=False))
