"""A customer in a real browser: sign up, submit, follow, resolve, rate."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from helpdesk.vocabulary import Role
from tests.builders import make_category, make_user, outbox_mails
from tests.helpdesk.accounts_support import link_in

pytestmark = pytest.mark.browser


def test_customer_signs_up_submits_a_request_replies_resolves_and_rates_it(
    app, page, given, tmp_path, screenshot
):
    given(make_category, "network", name_en="Network and VPN", name_ru="Сеть и VPN")
    log_file = tmp_path / "vpn-log.txt"
    log_file.write_text("09:00 tunnel down\n09:01 tunnel up\n")

    page.goto("/signup")
    page.get_by_label("Your name").fill("Anna Smirnova")
    page.get_by_label("E-mail").fill("anna@example.test")
    page.get_by_role("button", name="Sign up").click()

    # The address is confirmed by choosing the password through the mail.
    expect(page.get_by_role("heading", name="Check your mail")).to_be_visible()
    with app.app_context():
        page.goto(link_in(outbox_mails("signup_confirm")[-1], "/password/set/"))
    page.get_by_label("New password").fill("correct-horse")
    page.get_by_role("button", name="Set the password and log in").click()
    expect(page.get_by_role("status")).to_contain_text("Your password has been set.")
    page.get_by_role("button", name="New request").click()
    expect(page).to_have_url(re.compile(r"/tickets/new$"))
    page.get_by_label("Subject").fill("VPN drops every hour")
    page.get_by_label("Category").select_option(label="Network and VPN")
    page.get_by_label("Describe the problem").fill("Since Monday, at :00 sharp.")
    page.get_by_label("Attachment").set_input_files(log_file)
    page.get_by_role("button", name="Send request").click()

    expect(page).to_have_url(re.compile(r"/tickets/\d+$"))
    heading = page.get_by_role("heading", level=2)
    expect(heading).to_have_text(re.compile(r"^HD-\d{6} · VPN drops every hour$"))
    number = heading.inner_text().split(" ")[0]
    expect(page.get_by_role("status")).to_have_text(
        f"Your request {number} has been registered."
    )
    expect(page.get_by_role("link", name="vpn-log.txt").first).to_be_visible()
    screenshot(page, "ticket-customer")

    page.get_by_label("Your message").fill("It happened again at 10:00.")
    page.get_by_role("button", name="Send", exact=True).click()
    expect(page.get_by_role("status")).to_have_text("Your reply has been sent.")
    expect(page.locator(".timeline li.reply")).to_contain_text(
        "It happened again at 10:00."
    )

    page.get_by_role("button", name="My problem is solved").click()
    expect(page.get_by_role("status")).to_have_text("Status changed to “Resolved”.")
    page.get_by_role("radio", name="4").check()
    page.get_by_label("Comment (optional)").fill("Fixed itself, thanks anyway.")
    page.get_by_role("button", name="Rate").click()

    expect(page.get_by_role("status")).to_have_text("Thank you for your rating!")
    expect(page.get_by_text("Your rating: 4 of 5.")).to_be_visible()
    expect(page.locator(".timeline")).to_contain_text("Rated 4 of 5.")

    page.get_by_role("link", name="My requests").click()
    row = page.get_by_role("row").filter(has_text=number)
    expect(row).to_contain_text("VPN drops every hour")
    expect(row).to_contain_text("Resolved")


def test_customer_sees_validation_messages_and_nothing_is_lost(page, given, log_in):
    given(make_category, "hardware", name_en="Hardware", name_ru="Оборудование")
    customer = given(make_user, role=Role.CUSTOMER)
    log_in(page, customer)

    page.get_by_role("button", name="New request").click()  # a link styled as one
    page.get_by_label("Subject").fill("Printer is on fire")
    page.get_by_label("Category").select_option(label="Hardware")
    # Blanks pass the browser's `required` check; the server must refuse them.
    page.get_by_label("Describe the problem").fill("   ")
    page.get_by_role("button", name="Send request").click()

    expect(page.get_by_role("alert")).to_have_text("Please correct the marked fields.")
    description = page.get_by_label("Describe the problem")
    expect(description).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#description-error")).to_have_text(
        "Enter a description of 1 to 20000 characters."
    )
    expect(page.get_by_label("Subject")).to_have_value("Printer is on fire")
    expect(page.get_by_label("Category")).to_have_value("hardware")

    page.get_by_role("link", name="My requests").click()
    expect(page.get_by_text("You have no requests yet.")).to_be_visible()


def test_customer_who_attaches_a_too_large_file_keeps_the_typed_request(
    page, given, log_in
):
    given(make_category, "hardware", name_en="Hardware", name_ru="Оборудование")
    customer = given(make_user, role=Role.CUSTOMER)
    log_in(page, customer)

    page.goto("/tickets/new")
    page.get_by_label("Subject").fill("Scanner makes noise")
    page.get_by_label("Category").select_option(label="Hardware")
    page.get_by_label("Describe the problem").fill("A long story about the scanner.")
    page.get_by_label("Attachment").set_input_files(
        {
            "name": "scan.bin",
            "mimeType": "application/octet-stream",
            "buffer": b"x" * (64 * 1024 + 1),
        }
    )
    page.get_by_role("button", name="Send request").click()

    expect(page.locator("#attachment-error")).to_have_text("File too large.")
    expect(page.get_by_label("Subject")).to_have_value("Scanner makes noise")
    expect(page.get_by_label("Describe the problem")).to_have_value(
        "A long story about the scanner."
    )


def test_signing_up_with_a_taken_email_says_check_your_mail_not_taken(page, given):
    """No "already registered": that would tell anyone who has an account.
    The owner gets a mail instead (tests/helpdesk/test_password_reset.py)."""
    given(make_user, role=Role.CUSTOMER, email="anna@example.test")

    page.goto("/signup")
    page.get_by_label("Your name").fill("Anna Again")
    page.get_by_label("E-mail").fill("anna@example.test")
    page.get_by_role("button", name="Sign up").click()

    expect(page.get_by_role("heading", name="Check your mail")).to_be_visible()
    expect(page.get_by_text("Already registered")).to_have_count(0)


def test_the_file_picker_speaks_the_users_language_not_the_browsers(
    page, given, log_in, tmp_path
):
    """The browser's own "Choose File" follows the browser's language; a
    user whose profile says Russian sees the picker in Russian, by mouse and
    by keyboard, and the chosen file's name before sending it."""
    given(make_category, "hardware", name_en="Hardware", name_ru="Оборудование")
    customer = given(make_user, role=Role.CUSTOMER, locale="ru")
    log_file = tmp_path / "scan-log.txt"
    log_file.write_text("paper jam\n")
    log_in(page, customer)

    page.goto("/tickets/new")
    picker = page.locator("label.file-pick")
    expect(picker.locator(".file-pick-button")).to_have_text("Выбрать файл")
    expect(picker.locator(".file-pick-name")).to_have_text("Файл не выбран")
    # The native input lies over the button, transparent: the control, the
    # label's, and what a click where the button shows reaches (clicked once
    # the page has stopped moving, at the button's place: the row's start).
    field = page.get_by_label("Вложение")
    expect(field).to_have_css("opacity", "0")
    with page.expect_file_chooser() as chooser:
        field.click(position={"x": 8, "y": 8})
    chooser.value.set_files(log_file)
    expect(picker.locator(".file-pick-name")).to_have_text("scan-log.txt")

    page.get_by_label("Опишите проблему").focus()
    page.keyboard.press("Tab")
    expect(page.get_by_label("Вложение")).to_be_focused()
    expect(picker.locator(".file-pick-button")).to_have_css("outline-style", "solid")
    with page.expect_file_chooser() as chooser:
        page.keyboard.press("Space")
    chooser.value.set_files([])
    expect(picker.locator(".file-pick-name")).to_have_text("Файл не выбран")

    page.get_by_label("Вложение").set_input_files(log_file)
    page.get_by_label("Тема").fill("Сканер жуёт бумагу")
    page.get_by_label("Категория").select_option(label="Оборудование")
    page.get_by_label("Опишите проблему").fill("С понедельника.")
    page.get_by_role("button", name="Отправить обращение").click()
    expect(page.get_by_role("link", name="scan-log.txt").first).to_be_visible()


def test_without_script_the_file_input_is_the_browsers_own(new_page, given, log_in):
    customer = given(make_user, role=Role.CUSTOMER)
    page = new_page(script=False)
    log_in(page, customer)

    page.goto("/tickets/new")
    assert page.get_by_label("Attachment").bounding_box()["width"] > 100
    expect(page.locator("label.file-pick .file-pick-row")).to_be_hidden()
