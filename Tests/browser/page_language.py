"""The served page and the offline map in Chinese and in English, in headless Chromium (selenium + chromedriver).

Usage: page_language.py URL TOKEN CSV MAP_FILE SCREENSHOT_ZH SCREENSHOT_EN — prints what it saw as one JSON object.
A browser asking for Chinese (Accept-Language zh-CN) gets the page in Chinese; every word left in Latin letters is
reported. The language picker switches it to English, which the page keeps on reload. An upload's outcome and its
rejected row are said in the page's language. The offline map (MAP_FILE, made with `map --lang zh`) opens in Chinese.
"""
import json
import re
import sys

from chromium import chromium
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

url, token, csv, map_file, shot_zh, shot_en = sys.argv[1:7]
seen = {}


def latin_words(driver):
    """Words of two or more Latin letters in the visible text, but for what stays as it is in every language: target
    ids (the picker's values), the product, formats and coordinate systems, and the token placeholder."""
    text = driver.execute_script("return document.body.innerText")
    for value in driver.execute_script("return [...document.querySelectorAll('#target option')].map(o => o.value)"):
        text = text.replace(value, " ")
    text = re.sub(r"FacilityMap|CSV|Excel|GeoJSON|Shapefile|WGS-84|GCJ-02|BD-09|CGCS2000|English|suggest", " ", text)
    return sorted(set(re.findall(r"[A-Za-z]{2,}", text)))


driver = chromium(1280, 1100, language="zh-CN")
try:
    wait = WebDriverWait(driver, 60)
    body = lambda: driver.find_element(By.TAG_NAME, "body")
    driver.get(url)
    wait.until(lambda d: body().get_attribute("data-loads") == "1")
    seen["lang"] = driver.execute_script("return document.documentElement.lang")
    seen["zh_latin"] = latin_words(driver)
    seen["zh_meta"] = driver.find_element(By.ID, "report-meta").text
    seen["zh_headers"] = [th.text for th in driver.find_elements(By.CSS_SELECTOR, "#targets-table th")]
    driver.save_screenshot(shot_zh)
    # The map moves: the wheel zooms about the pointer (the scale bar follows), a drag pans, a double click goes home.
    seen["scale_before"] = driver.find_element(By.ID, "scalebar").text
    metres_before = float(driver.find_element(By.ID, "scalebar").get_attribute("data-metres"))
    moved = driver.execute_script("""
        const svg = document.getElementById("map"), box = svg.getBoundingClientRect();
        const at = {clientX: box.left + box.width / 2, clientY: box.top + box.height / 2, bubbles: true, cancelable: true};
        for (let i = 0; i < 5; i++) svg.dispatchEvent(new WheelEvent("wheel", Object.assign({deltaY: -200}, at)));
        const zoomed = [Number(svg.dataset.zoom), svg.getAttribute("viewBox"), Number(document.getElementById("scalebar").dataset.metres)];
        svg.dispatchEvent(new PointerEvent("pointerdown", Object.assign({pointerId: 7}, at)));
        svg.dispatchEvent(new PointerEvent("pointermove", Object.assign({pointerId: 7}, at, {clientX: at.clientX + 100})));
        svg.dispatchEvent(new PointerEvent("pointerup", Object.assign({pointerId: 7}, at)));
        const panned = svg.getAttribute("viewBox");
        svg.dispatchEvent(new MouseEvent("dblclick", at));
        return {zoom: zoomed[0], zoomed: zoomed[1], metres: zoomed[2], panned, home: Number(svg.dataset.zoom)};
    """)
    seen["moved"] = moved
    seen["metres_before"] = metres_before
    seen["scale_after"] = driver.find_element(By.ID, "scalebar").text
    # An upload in Chinese: the outcome and the rejected row said in Chinese.
    driver.find_element(By.ID, "token").send_keys(token)
    driver.find_element(By.ID, "file").send_keys(csv)
    driver.find_element(By.ID, "send").click()
    wait.until(lambda d: body().get_attribute("data-uploads") == "1")
    seen["zh_upload"] = driver.find_element(By.ID, "upload-result").text
    seen["zh_rejects"] = [li.text for li in driver.find_elements(By.CSS_SELECTOR, "#rejects li")]
    # The picker: English, kept on reload.
    Select(driver.find_element(By.ID, "lang")).select_by_value("en")
    seen["en_headers"] = [th.text for th in driver.find_elements(By.CSS_SELECTOR, "#targets-table th")]
    seen["en_rejects"] = [li.text for li in driver.find_elements(By.CSS_SELECTOR, "#rejects li")]
    driver.get(url)
    wait.until(lambda d: body().get_attribute("data-loads") == "1")
    seen["reload_lang"] = driver.execute_script("return document.documentElement.lang")
    seen["en_meta"] = driver.find_element(By.ID, "report-meta").text
    driver.execute_script("window.scrollTo(0, 0)")
    driver.save_screenshot(shot_en)
    # The offline map, made in Chinese.
    driver.execute_script("localStorage.clear()")
    driver.get("file://" + map_file)
    wait.until(lambda d: d.find_element(By.ID, "map").get_attribute("data-districts"))
    seen["map_lang"] = driver.execute_script("return document.documentElement.lang")
    seen["map_latin"] = latin_words(driver)
    seen["map_scale"] = driver.find_element(By.ID, "scale").text
finally:
    driver.quit()
print(json.dumps(seen, ensure_ascii=False))
