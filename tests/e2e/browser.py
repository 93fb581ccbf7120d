"""A real browser for the dashboard tests: Debian's chromium, headless, driven
through chromium-driver by python3-selenium.

    with Browser(shop) as b:
        b.open("/admin/")
        b.screenshot("overview")          # build/screenshots/overview.png
        b.wait_until(lambda: "Orders" in b.text("h1"))

Every wait has a deadline; nothing sleeps a fixed time.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path

from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

from shop import REPO, SLOW, Shop

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
SCREENSHOTS = REPO / "build" / "screenshots"

# Headless as root in a container, with nothing reaching out to the network.
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--disable-extensions", "--disable-default-apps", "--mute-audio", "--hide-scrollbars"]


class Browser:
    def __init__(self, shop: Shop, width: int = 1200, height: int = 900):
        self.shop = shop
        self.size = (width, height)
        self.profile = Path(tempfile.mkdtemp(prefix="shopd-chromium-"))
        self.driver: webdriver.Chrome | None = None

    def __enter__(self) -> "Browser":
        options = webdriver.ChromeOptions()
        options.binary_location = CHROMIUM
        for flag in CHROMIUM_FLAGS:
            options.add_argument(flag)
        options.add_argument(f"--user-data-dir={self.profile}")
        options.add_argument(f"--window-size={self.size[0]},{self.size[1]}")
        self.driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
        self.driver.set_page_load_timeout(30 * SLOW)
        return self

    def __exit__(self, *exc) -> None:
        try:
            if self.driver:
                self.driver.quit()
        finally:
            shutil.rmtree(self.profile, ignore_errors=True)

    # --- navigation ------------------------------------------------------

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.shop.port}{path}"

    def open(self, path: str) -> None:
        self.driver.get(self.url(path))

    @property
    def path(self) -> str:
        """The current page's path and query."""
        prefix = f"http://127.0.0.1:{self.shop.port}"
        current = self.driver.current_url
        return current[len(prefix):] if current.startswith(prefix) else current

    # --- reading ---------------------------------------------------------

    def find(self, css: str):
        return self.driver.find_element(By.CSS_SELECTOR, css)

    def find_all(self, css: str) -> list:
        return self.driver.find_elements(By.CSS_SELECTOR, css)

    def text(self, css: str) -> str:
        return self.find(css).text

    def wait_until(self, predicate, timeout: float = 15.0, message: str = "the page"):
        """Polls predicate() until truthy; elements replaced meanwhile (a refresh) count as not yet."""
        deadline = time.monotonic() + timeout * SLOW
        last = None
        while time.monotonic() < deadline:
            try:
                value = predicate()
                if value:
                    return value
            except (StaleElementReferenceException, WebDriverException) as e:
                last = e
            time.sleep(0.1)
        raise AssertionError(f"timed out waiting for {message} at {self.path}" + (f" ({str(last).strip().splitlines()[0]})" if last else ""))

    # --- acting ----------------------------------------------------------

    def click(self, css: str) -> None:
        self.find(css).click()

    def fill(self, css: str, value: str) -> None:
        field = self.find(css)
        field.clear()
        field.send_keys(value)

    def screenshot(self, name: str) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        self.driver.save_screenshot(str(path))
        return path

    def full_screenshot(self, name: str) -> Path:
        """The whole page, not only what fits the window: the window grows to the page's height for the shot."""
        width, height = self.driver.get_window_size()["width"], self.driver.get_window_size()["height"]
        page_height = self.driver.execute_script("return document.documentElement.scrollHeight")
        self.resize(width, max(height, page_height + 120))  # the window's frame takes some of its height
        try:
            return self.screenshot(name)
        finally:
            self.resize(width, height)

    def resize(self, width: int, height: int) -> None:
        self.driver.set_window_size(width, height)

    def console_errors(self) -> list[dict]:
        """Severe messages from the page: script errors, resources that failed or were blocked."""
        return [e for e in self.driver.get_log("browser") if e["level"] == "SEVERE"]
