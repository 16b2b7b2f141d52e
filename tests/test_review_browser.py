"""The review page in a real headless Chromium (Debian's chromium and chromium-driver).

The server runs as ``python -m spacy_xlproj review`` on a free port; selenium types on
the page as a person would: add two spans and accept, accept as shown, relabel and save
the decided span only; reload (the page resumes); undo and save again; export. Then the
rows in SQLite and the spans in the exported DocBin are checked exactly, and the
sentence holding ``<script>`` and ``<img onerror>`` is shown as text.
"""

from __future__ import annotations

import shutil
import sqlite3
import tempfile
from pathlib import Path

import pytest
from test_review import SENTENCES, build_data, start_server

from spacy_xlproj.review.data import sentence_keys

pytestmark = pytest.mark.slow

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--window-size=1200,900",
]


@pytest.fixture()
def browser(tmp_path: Path):  # type: ignore[no-untyped-def]
    if CHROMIUM is None or DRIVER is None:
        pytest.skip(
            "chromium and chromium-driver are not installed (Debian: apt-get install -y "
            "chromium chromium-driver); the browser test is skipped"
        )
    pytest.importorskip("selenium", reason="selenium is not installed (pip install selenium)")
    pytest.importorskip("uvicorn", reason="the review extra is not installed")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in FLAGS:
        options.add_argument(flag)
    profile = tempfile.mkdtemp(prefix="chromium-", dir=tmp_path)
    options.add_argument(f"--user-data-dir={profile}")
    driver = webdriver.Chrome(options=options, service=Service(executable_path=DRIVER))
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()


def test_review_in_the_browser(browser, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from selenium.common.exceptions import NoAlertPresentException
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait
    from spacy.tokens import DocBin
    from typer.testing import CliRunner

    from spacy_xlproj.cli import app
    from spacy_xlproj.io.docbin import blank_vocab

    data = build_data(tmp_path / "pseudo.spacy")
    db = tmp_path / "review.sqlite"
    proc, url = start_server(data, db)
    wait = WebDriverWait(browser, 15)

    def meta() -> str:
        return browser.find_element(By.ID, "meta").text

    def shows(sentence: int, also: str = "") -> None:
        wait.until(lambda _: meta().startswith(f"sentence {sentence + 1} ·") and also in meta())

    def keys(*sequence: str) -> None:
        chain = ActionChains(browser)
        for key in sequence:
            if key.startswith("shift+"):
                chain.key_down(Keys.SHIFT).send_keys(key[6:]).key_up(Keys.SHIFT)
            else:
                chain.send_keys(key)
        chain.perform()

    def spans_table() -> list[list[str]]:
        rows = browser.find_elements(By.CSS_SELECTOR, "#spans tbody tr")
        return [[td.text for td in r.find_elements(By.TAG_NAME, "td")][:3] for r in rows]

    right, enter = Keys.ARROW_RIGHT, Keys.ENTER
    try:
        browser.get(url)
        # 1. Most disagreement first: "Ana García trabaja en Google España ." (labels 1 LOC,
        #    2 ORG, 3 PER). Select two words and label them PER, then two more as ORG.
        shows(3, "not reviewed")
        assert browser.find_element(By.ID, "labels").text == "1 LOC 2 ORG 3 PER"
        keys("shift+" + right, "3", right, right, right, "shift+" + right, "2")
        assert spans_table() == [
            ["Ana García", "PER", "added"],
            ["Google España", "ORG", "added"],
        ]
        keys(enter)
        # 2. "Juan Pérez vive en Madrid .": accept as proposed
        shows(0, "1 words missing")
        assert spans_table() == [["Juan Pérez", "PER", "pending"]]
        keys(enter)
        # 3. "La Unión Europea …": both teachers said LOC; relabel to ORG, save only that
        shows(1)
        keys(right, "2")
        assert spans_table() == [["Unión Europea", "ORG", "accepted"]]
        keys("p")
        shows(2)
        progress = browser.find_element(By.ID, "progress-text").text
        assert progress == "3 / 5 reviewed · 0 skipped · 5 sentences"
        # a reload resumes at the same sentence
        browser.refresh()
        shows(2)
        assert browser.find_element(By.ID, "progress-text").text == progress
        # the hostile sentence is text: no element, no alert
        text = browser.find_element(By.ID, "sentence").text
        assert "<script>alert(1)</script>" in text
        assert "<img src=x onerror=alert(1)>" in text
        assert browser.find_elements(By.CSS_SELECTOR, "#sentence img, #sentence script") == []
        with pytest.raises(NoAlertPresentException):
            browser.switch_to.alert.text  # noqa: B018
        # undo withdraws the last decision (after the reload too); decide it again
        keys("u")
        shows(1, "undo (version 2)")
        assert spans_table() == [["Unión Europea", "ORG", "accepted"]]
        keys("p")
        shows(2)
    finally:
        proc.terminate()
        proc.wait(timeout=30)

    k = sentence_keys(SENTENCES)
    rows = sqlite3.connect(db).execute(
        "SELECT sentence_key, version, sentence, kind, spans, outside FROM decisions ORDER BY id"
    )
    assert rows.fetchall() == [
        (k[3], 1, 3, "accept", '[[0, 2, "PER"], [4, 6, "ORG"]]', None),
        (k[0], 1, 0, "accept", '[[0, 2, "PER"]]', None),
        (k[1], 1, 1, "partial", '[[1, 3, "ORG"]]', "[]"),
        (k[1], 2, 1, "undo", "[]", None),
        (k[1], 3, 1, "partial", '[[1, 3, "ORG"]]', "[]"),
    ]
    out = tmp_path / "gold.spacy"
    result = CliRunner().invoke(
        app, ["review-export", str(data), str(out), "--db", str(db), "--lang", "es"]
    )
    assert result.exit_code == 0, result.output
    assert "left out 2 unreviewed and 0 skipped sentences" in result.output
    docs = list(DocBin().from_disk(out).get_docs(blank_vocab("es")))
    assert [[t.text for t in d] for d in docs] == [SENTENCES[0], SENTENCES[1], SENTENCES[3]]
    assert [[(e.start, e.end, e.label_) for e in d.ents] for d in docs] == [
        [(0, 2, "PER")],
        [(1, 3, "ORG")],
        [(0, 2, "PER"), (4, 6, "ORG")],
    ]
    assert [[t.ent_iob_ for t in d] for d in docs] == [
        ["B", "I", "O", "O", "O", "O"],
        ["", "B", "I", "", "", "", "", "", ""],  # partly reviewed: the rest is missing
        ["B", "I", "O", "O", "B", "I", "O"],
    ]


def test_source_sentence_and_links_are_drawn(browser, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait
    from test_review import SOURCE_LINES, write_sources

    data = build_data(tmp_path / "pseudo.spacy")
    sources = write_sources(tmp_path / "src.jsonl", SOURCE_LINES)
    proc, url = start_server(data, tmp_path / "review.sqlite", "--source", str(sources))
    wait = WebDriverWait(browser, 15)
    try:
        browser.get(url)
        meta = lambda: browser.find_element(By.ID, "meta").text  # noqa: E731
        wait.until(lambda _: meta().startswith("sentence 4 ·"))
        assert browser.find_elements(By.CSS_SELECTOR, "#links line") == []  # it has no links
        ActionChains(browser).send_keys("s").perform()  # skip to "Juan Pérez vive en Madrid ."
        wait.until(lambda _: meta().startswith("sentence 1 ·"))
        words = browser.find_elements(By.CSS_SELECTOR, "#source .sw")
        assert [e.text for e in words] == ["John", "Smith", "lives", "in", "Madrid", "."]
        marks = browser.find_elements(By.CSS_SELECTOR, "#source mark.ent")
        assert [m.text for m in marks] == ["John SmithPER"]  # the label is a badge
        assert len(browser.find_elements(By.CSS_SELECTOR, "#links line")) == 6
        # the link of the word at the cursor (target 0 "Juan" <- source 0 "John") stands out
        assert len(browser.find_elements(By.CSS_SELECTOR, "#links line.hot")) == 1
        linked = browser.find_elements(By.CSS_SELECTOR, "#source .sw.linked")
        assert [e.text for e in linked] == ["John"]
    finally:
        proc.terminate()
        proc.wait(timeout=30)
