"""Drives a private registry's page (`facilitymap serve --private`) in headless Chromium.

Usage: private_page.py URL TOKEN — prints what it saw as one JSON object: the page before sign-in (title, text,
whether a sign-in form shows), after a wrong token, after the right one (drawn districts), and after a reload of the
same tab (the token kept for the tab's session).
"""
import json
import sys
import time

from chromium import chromium
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

url, token = sys.argv[1:3]
driver = chromium(1280, 1000)
seen = {}
try:
    wait = WebDriverWait(driver, 60)
    body = lambda: driver.find_element(By.TAG_NAME, "body")
    signin = lambda d: d.find_elements(By.ID, "signin")
    driver.get(url)
    wait.until(signin)
    seen["before_title"] = driver.title
    seen["before_text"] = body().text
    seen["before_districts"] = driver.find_element(By.ID, "map").get_attribute("data-districts")

    driver.find_element(By.ID, "signin-token").send_keys("fm_wrong")
    driver.find_element(By.ID, "signin-send").click()
    wait.until(lambda d: signin(d) and d.find_element(By.ID, "signin-error").text)
    seen["wrong_error"] = driver.find_element(By.ID, "signin-error").text
    seen["wrong_text"] = body().text

    driver.find_element(By.ID, "signin-token").send_keys(token)
    driver.find_element(By.ID, "signin-send").click()
    wait.until(lambda d: body().get_attribute("data-loads") == "1")
    seen["after_title"] = driver.title
    seen["after_districts"] = int(driver.find_element(By.ID, "map").get_attribute("data-districts"))
    seen["after_rows"] = len(driver.find_elements(By.CSS_SELECTOR, "#targets-table tbody tr"))
    # Every area's tooltip shown once: a district named as markup stays text.
    tips = driver.execute_script("""
        const texts = [];
        document.querySelectorAll('#map path').forEach(p => {
          p.dispatchEvent(new MouseEvent('mousemove', {bubbles: true, clientX: 10, clientY: 10}));
          texts.push(document.getElementById('tip').textContent);
        });
        return texts;
    """)
    time.sleep(1)  # an <img onerror> in HTML would fire once its load fails
    seen["tip_with_markup"] = any("<img src=x" in t for t in tips)
    seen["pwned"] = body().get_attribute("data-pwned") or ""

    driver.refresh()
    wait.until(lambda d: body().get_attribute("data-loads") == "1")
    seen["reload_signin"] = len(signin(driver))
    seen["reload_districts"] = int(driver.find_element(By.ID, "map").get_attribute("data-districts"))
finally:
    driver.quit()
print(json.dumps(seen, ensure_ascii=False))
