"""Custom fields in a real browser: choosing a category on the request form
shows its fields (and only its), a required one is asked for, the value
lands on the ticket page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from helpdesk.custom_fields.models import FieldKind
from helpdesk.vocabulary import Role
from tests.builders import make_category, make_user
from tests.helpdesk.custom_fields.builders import make_field

pytestmark = pytest.mark.browser


def test_choosing_a_category_on_the_request_form_shows_its_fields(
    page, given, log_in, screenshot
):
    given(make_category, "hardware", name_en="Hardware", name_ru="Оборудование")
    given(make_category, "access", name_en="Access", name_ru="Доступ")
    given(
        make_field,
        "asset_tag",
        category="hardware",
        required=True,
        label_en="Asset tag",
    )
    given(
        make_field,
        "device",
        FieldKind.CHOICE,
        category="hardware",
        label_en="Device",
        position=2,
        choices=[
            {"value": "printer", "label_en": "Printer", "label_ru": "Принтер"},
            {"value": "laptop", "label_en": "Laptop", "label_ru": "Ноутбук"},
        ],
    )
    given(make_field, "account", category="access", label_en="Account name")
    customer = given(make_user, role=Role.CUSTOMER)
    log_in(page, customer)

    page.goto("/tickets/new")
    asset_tag = page.get_by_label("Asset tag")
    account = page.get_by_label("Account name")
    # Nothing chosen yet: no category's fields are shown.
    expect(asset_tag).to_be_hidden()
    expect(account).to_be_hidden()

    page.get_by_label("Subject").fill("The printer jams")
    page.get_by_label("Category").select_option(label="Hardware")
    expect(asset_tag).to_be_visible()
    expect(page.get_by_label("Device")).to_be_visible()
    expect(account).to_be_hidden()
    page.get_by_label("Category").select_option(label="Access")
    expect(account).to_be_visible()
    expect(asset_tag).to_be_hidden()
    page.get_by_label("Category").select_option(label="Hardware")
    page.get_by_label("Describe the problem").fill("Paper jam, but no paper inside.")
    screenshot(page, "custom-fields-form")
    # The required field is asked for before anything is sent.
    page.get_by_role("button", name="Send request").click()
    expect(asset_tag).to_have_attribute("required", "")
    assert asset_tag.evaluate("input => input.validity.valueMissing") is True
    expect(page).to_have_url(re.compile(r"/tickets/new$"))

    asset_tag.fill("INV-0042")
    page.get_by_label("Device").select_option(label="Printer")
    page.get_by_role("button", name="Send request").click()

    expect(page).to_have_url(re.compile(r"/tickets/\d+$"))
    fields = page.locator("#side-fields")
    expect(fields).to_contain_text("Asset tag")
    expect(fields).to_contain_text("INV-0042")
    expect(fields).to_contain_text("Printer")


def test_an_admin_adds_a_field_through_the_form_its_key_checked_by_the_browser(
    page, given, log_in
):
    """The key's pattern reaches the browser as written: a key in the wrong
    shape is refused before sending, a good one is saved."""
    category = given(make_category, "hardware", name_en="Hardware")
    log_in(page, given(make_user, role=Role.ADMIN))

    page.goto(f"/admin/categories/{category.id}/fields/new")
    key = page.get_by_label("Key (fixed once created")
    key.fill("Asset Tag")
    page.get_by_label("Label (English)").fill("Asset tag")
    page.get_by_label("Label (Russian)").fill("Инвентарный номер")
    page.get_by_role("button", name="Save").click()
    assert key.evaluate("input => input.validity.patternMismatch") is True
    expect(page).to_have_url(re.compile(r"/fields/new$"))

    key.fill("asset_tag")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_be_visible()
    expect(page.get_by_text("asset_tag").first).to_be_visible()
