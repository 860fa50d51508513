"""The report's embedded data block survives hostile tensor names: opened in headless
Chromium, the page's <script type="application/json"> parses with JSON.parse and holds the
names exactly (only '</' was escaped before, so '<!--<script>' swallowed the page)."""
import json
import subprocess
import sys

import pytest

from report_checks import CHROMEDRIVER, CHROMIUM
from tflite_builder import fc_softmax_model

pytestmark = pytest.mark.host_c

HOSTILE_IN = "in<!--<script>&\u2028"
HOSTILE_OUT = "out</script><script>alert(1)</script>>"


def _page_data(html_path):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"):
        opts.add_argument(arg)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)
    try:
        driver.get(html_path.resolve().as_uri())
        return driver.execute_script(
            "return JSON.parse(document.getElementById('report-data').textContent);")
    finally:
        driver.quit()


def test_hostile_names_stay_inside_the_data_block(tmp_path):
    model = tmp_path / "m.tflite"
    model.write_bytes(fc_softmax_model(in_name=HOSTILE_IN, out_name=HOSTILE_OUT))
    out = tmp_path / "r.html"
    r = subprocess.run([sys.executable, "-m", "tinydeploy.cli", "report", str(model), "-o", str(out)],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    html = out.read_text()
    block = html.split('id="report-data">', 1)[1].split("</script>", 1)[0]
    assert "<" not in block and ">" not in block and "&" not in block
    data = _page_data(out)
    assert data == json.loads(out.with_suffix(".json").read_text())
    text = json.dumps(data)
    assert json.dumps(HOSTILE_IN)[1:-1] in text and json.dumps(HOSTILE_OUT)[1:-1] in text
