"""End-to-end: the console in Debian's chromium (Playwright) against ``segateway run
--new-device``, doing the getting-started procedures by clicking. Every wait is on a page
condition (Playwright's auto-waiting ``expect``), never a fixed sleep."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from segateway.rpc.values import MAC
from segateway.runtime.home import IPD_IEEE, METER_IEEE, NEW_DEVICE_IEEE, THERMOSTAT_IEEE
from segateway.zigbee.install_code import InstallCode

from .conftest import TIMEOUT_MS, RunningGateway

pytest.importorskip("playwright.sync_api")
from playwright.sync_api import Page, expect

if TYPE_CHECKING:
    from playwright.sync_api import Browser

expect.set_options(timeout=TIMEOUT_MS)

METER = str(MAC(METER_IEEE))
IPD = str(MAC(IPD_IEEE))
THERMOSTAT = str(MAC(THERMOSTAT_IEEE))
NEW_DEVICE = str(MAC(NEW_DEVICE_IEEE))


@pytest.fixture
def page(browser: Browser, gateway: RunningGateway) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    errors: list[Any] = []

    def uncaught(error: Any) -> None:  # (Playwright cannot wrap a bound builtin like append)
        errors.append(error)

    page.on("pageerror", uncaught)
    yield page
    context.close()
    assert not errors, f"uncaught errors in the page: {errors}"


def sign_in(page: Page, gateway: RunningGateway) -> None:
    page.goto(f"{gateway.url}/console/")
    page.get_by_label("Token").fill(gateway.token)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("#nav")).to_be_visible()
    expect(page.locator("#stream-state")).to_have_text("live")


def view(page: Page, name: str) -> None:
    page.locator(f'#nav a[data-view="{name}"]').click()
    expect(page.locator(f"#view-{name}")).to_be_visible()


def device_row(page: Page, eui: str) -> Any:
    return page.locator(f'#view-network tr[data-eui="{eui}"]')


def home_ready(page: Page) -> None:
    """The meter, the IPD and the thermostat joined and were discovered (Network view)."""
    view(page, "network")
    for eui in (METER, IPD, THERMOSTAT):
        expect(device_row(page, eui).locator("td.state")).to_have_text("active", timeout=60_000)


def test_run_prints_where_the_console_is(gateway: RunningGateway) -> None:
    assert f"console   {gateway.url}/console/" in gateway.log.read_text(encoding="utf-8")


def test_a_wrong_token_is_refused_and_said(page: Page, gateway: RunningGateway) -> None:
    page.goto(f"{gateway.url}/console/")
    page.get_by_label("Token").fill("not-the-token")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("#login-error")).to_contain_text("refused")
    expect(page.locator("#nav")).to_be_hidden()


def test_add_the_new_device_by_install_code_watch_it_join_and_remove_it(
    page: Page, gateway: RunningGateway, artifacts: Path
) -> None:
    sign_in(page, gateway)
    home_ready(page)
    expect(device_row(page, NEW_DEVICE)).to_have_count(0)
    page.screenshot(path=artifacts / "network.png", full_page=True)

    view(page, "joining")
    code = InstallCode.from_code(NEW_DEVICE_IEEE.to_bytes(8, "big"))
    page.get_by_label("EUI-64").first.fill(NEW_DEVICE)
    page.locator("#join-key-kind").select_option("installation_code")
    page.locator("#join-key").fill((code.code + code.crc).hex().upper())
    page.locator("#join-time").fill("120")
    page.locator("#add-device").click()
    expect(page.get_by_test_id("add-device-result")).to_contain_text("add_device_response: ok")
    page.screenshot(path=artifacts / "joining.png", full_page=True)

    view(page, "network")
    expect(device_row(page, NEW_DEVICE).locator("td.state")).to_have_text("active", timeout=60_000)
    expect(page.locator(f'g.node.active[data-node="{NEW_DEVICE}"]')).to_have_count(1)
    # links from the gateway's neighbour table and from the routers' (get_neighbor_table)
    # (a router's table is read again every 30 s; it learns its neighbours by link status)
    expect(page.locator(f'g.link[data-link="{THERMOSTAT}|{IPD}"]')).to_have_count(1, timeout=90_000)
    page.screenshot(path=artifacts / "network-joined.png", full_page=True)

    # and remove it again (the page asks first)
    view(page, "joining")
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("#remove-eui").fill(NEW_DEVICE)
    page.locator("#remove-device").click()
    expect(page.get_by_test_id("remove-result")).to_contain_text("remove_device_response: ok")
    view(page, "network")
    expect(device_row(page, NEW_DEVICE)).to_have_count(0)


def test_a_drlc_event_and_the_thermostats_report_event_status(
    page: Page, gateway: RunningGateway, artifacts: Path
) -> None:
    sign_in(page, gateway)
    home_ready(page)
    view(page, "drlc")
    form = page.locator("#create-drlc")
    event_id = form.locator('[data-param="record.issuer_event_id"]').input_value()
    form.get_by_role("button", name="Create event").click()
    expect(page.get_by_test_id("create_DRLC_event-result")).to_contain_text(": ok")
    expect(page.locator(f'[data-testid="drlc-list"] tr[data-event="{event_id}"]')).to_be_visible()
    # the thermostat reports the event's status (received, started …: which ones depends on
    # timing) and the report appears in its lane of the timeline
    reports = page.locator(f'[data-testid="drlc-timeline"] [data-device="{THERMOSTAT}"]')
    report = reports.locator(f'li[data-event="{event_id}"]').first
    expect(report).to_be_visible()
    expect(report).to_contain_text(re.compile(r"0x0[1-3] (received|started|completed)"))
    expect(page.locator('[data-testid="drlc-timeline"] svg g.mark').first).to_be_visible()
    page.screenshot(path=artifacts / "drlc.png", full_page=True)

    page.locator(f'button[data-cancel="{event_id}"]').click()
    expect(page.get_by_test_id("drlc-action-result")).to_contain_text(
        "cancel_DRLC_event_response: ok"
    )


def test_a_message_that_needs_confirmation_is_confirmed_by_the_display(
    page: Page, gateway: RunningGateway, artifacts: Path
) -> None:
    sign_in(page, gateway)
    home_ready(page)
    view(page, "messages")
    form = page.locator("#create-message")
    message_id = form.locator('[data-param="record.message_id"]').input_value()
    expect(form.locator('[data-param="record.message_control"]')).to_have_value("128")
    form.locator('[data-param="record.message"]').fill("Peak price from 5 pm")
    form.get_by_role("button", name="Send message").click()
    expect(page.get_by_test_id("create_message_event-result")).to_contain_text(": ok")
    expect(
        page.locator(f'[data-testid="message-list"] tr[data-message="{message_id}"]')
    ).to_be_visible()
    confirmations = page.get_by_test_id("message-confirmations")
    confirmation = confirmations.locator(f'tr[data-device="{IPD}"][data-message="{message_id}"]')
    expect(confirmation).to_be_visible()
    page.screenshot(path=artifacts / "messages.png", full_page=True)


def test_rpc_errors_are_shown(page: Page, gateway: RunningGateway, artifacts: Path) -> None:
    sign_in(page, gateway)
    view(page, "raw")
    method = page.locator("#raw-method")
    # a malformed request: the gateway's invalid_params error, in the result and the error panel
    method.select_option("remove_device")
    page.locator('#raw-form [data-param="device_address"]').fill("not-an-address")
    page.locator("#raw-send").click()
    expect(page.get_by_test_id("raw-result")).to_contain_text("invalid_params")
    expect(page.locator("#errors li").first).to_contain_text("remove_device")
    # a request the device layer refuses: the ZCL status, named
    method.select_option("cancel_DRLC_event")
    page.locator('#raw-form [data-param="record.issuer_event_id"]').fill("4000000000")
    page.locator("#raw-send").click()
    expect(page.get_by_test_id("raw-result")).to_contain_text("0x8B NOT_FOUND")
    expect(page.locator("#errors li").first).to_contain_text("cancel_DRLC_event_response")
    # the form itself refuses a value out of the catalog's range, before sending
    method.select_option("permit_joining")
    page.locator('#raw-form [data-param="join_time"]').fill("70000")
    page.locator("#raw-send").click()
    expect(page.get_by_test_id("raw-result")).to_contain_text("at most 65535")
    page.screenshot(path=artifacts / "raw-rpc-error.png", full_page=True)


def test_raw_rpc_as_xml_and_the_event_log(
    page: Page, gateway: RunningGateway, artifacts: Path
) -> None:
    sign_in(page, gateway)
    view(page, "raw")
    page.locator("#raw-method").select_option("get_time")
    page.locator("#raw-xml").check()
    page.locator("#raw-send").click()
    expect(page.get_by_test_id("raw-request")).to_contain_text('<get_time synchronous="TRUE"/>')
    expect(page.get_by_test_id("raw-result")).to_contain_text("get_time_response")
    expect(page.get_by_test_id("raw-result")).to_contain_text("UTC_1970")
    # a record in XML (<record type="CancelMessageRecord">), and the ZCL status of its answer
    page.locator("#raw-method").select_option("cancel_message_event")
    page.locator('#raw-form [data-param="record.message_id"]').fill("4000000001")
    page.locator("#raw-send").click()
    expect(page.get_by_test_id("raw-request")).to_contain_text(
        '<record type="CancelMessageRecord">'
    )
    expect(page.get_by_test_id("raw-result")).to_contain_text(
        "cancel_message_event_response: 0x8B NOT_FOUND"
    )
    page.locator("#raw-method").select_option("get_time")
    # sent asynchronously, the response is queued and arrives in the log; the filters keep only
    # what matches
    page.locator("#raw-xml").uncheck()
    page.locator("#raw-sync").uncheck()
    page.locator("#raw-send").click()
    expect(page.get_by_test_id("raw-result")).to_contain_text("Queued")
    log = page.get_by_test_id("event-log")
    expect(log.locator('li[data-name="get_time_response"]').first).to_be_visible()
    page.locator("#log-filter").fill("UTC_2000")
    expect(log.locator('li[data-name="get_time_response"]').first).to_be_visible()
    page.locator("#log-filter").fill("")
    page.locator("#log-name").select_option("received_zigbee")
    expect(log.locator('li[data-name="get_time_response"]')).to_have_count(0)
    page.locator("#log-name").select_option("get_time_response")
    expect(log.locator('li[data-name="get_time_response"]').first).to_be_visible()
    page.screenshot(path=artifacts / "raw-rpc.png", full_page=True)


def test_every_view_shows_the_gateway(page: Page, gateway: RunningGateway, artifacts: Path) -> None:
    sign_in(page, gateway)
    home_ready(page)
    view(page, "metering")
    meter = page.locator(f'[data-meter="{METER}"]')
    expect(meter.get_by_test_id("demand")).to_contain_text("kW")
    expect(meter.locator('[data-testid="demand-chart"] path.series')).to_have_count(1)
    page.get_by_role("button", name="Read meters now").click()  # one more point, read now
    expect(meter.locator('[data-testid="demand-chart"]')).not_to_have_attribute("data-points", "1")
    expect(meter.locator('[data-testid="summation-chart"] path.series')).to_have_count(1)
    page.screenshot(path=artifacts / "metering.png", full_page=True)

    view(page, "prices")
    form = page.locator("#create-price")
    price_id = form.locator('[data-param="record.issuer_event_id"]').input_value()
    form.get_by_role("button", name="Publish price").click()
    expect(page.get_by_test_id("create_price_event-result")).to_contain_text(": ok")
    expect(
        page.locator(f'[data-testid="price-list"] tr.current[data-price="{price_id}"]')
    ).to_be_visible()
    # the form asks for acknowledgement (price_control 0x01): the IPD acknowledges
    acks = page.get_by_test_id("price-acks")
    expect(acks.locator(f'li[data-device="{IPD}"][data-price="{price_id}"]')).to_be_visible()
    page.screenshot(path=artifacts / "prices.png", full_page=True)

    view(page, "joining")
    page.screenshot(path=artifacts / "joining-view.png", full_page=True)
    for name in ("network", "drlc", "messages", "raw"):
        view(page, name)
    expect(page.locator("#errors li")).to_have_count(0)
