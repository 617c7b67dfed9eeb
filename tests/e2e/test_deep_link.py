"""In a real browser: a shared link opened first after a server start shows the studio itself."""

from __future__ import annotations

import re

import pytest

from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS

pytestmark = pytest.mark.e2e


def test_a_deep_link_opened_first_shows_the_studio_navigation_and_assistant(
    studio_url: str,
) -> None:
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        page = browser.new_page()
        page.goto(f"{studio_url}/tools?assistant=2")
        nav = page.locator('[data-testid="stSidebarNav"]')
        expect(nav.get_by_text("Business requirements")).to_be_visible(timeout=30_000)
        expect(page.get_by_role("heading", name="Tools")).to_be_visible()
        picker = page.locator('[data-testid="stSidebar"]').get_by_role("combobox", name="Assistant")
        expect(picker).to_have_value(re.compile("Cloudline"), timeout=30_000)
        assert "assistant=2" in page.url
        browser.close()
