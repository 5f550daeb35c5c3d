"""New-device notices: a completed login from a device the account has not used before mails the owner
once (time, device, address, the way to "Dit was ik niet"); a device is the signed device cookie with
the kind of browser, and notices are grouped per kind of device for some hours."""

from __future__ import annotations

import pytest

from chalicelib import clock
from chalicelib.services import device_notices, devices
from tests.api.conftest import body
from tests.api.sent_mail import sent_to
from tests.api.two_factor import PASSWORD, SECRET, code

CHROME_WINDOWS = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
                  "Chrome/126.0.0.0 Safari/537.36")
FIREFOX_LINUX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
SAFARI_IPHONE = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
                 "Version/17.5 Mobile/15E148 Safari/604.1")
ADDRESS = "anna.apparaat@example.org"


def device_cookie(api, user_agent: str) -> str:
    """The device cookie the login page hands a browser that has none."""
    response = api.client.http.get("/login", headers={"User-Agent": user_agent})
    name, _, rest = response.headers["Set-Cookie"].partition("=")
    assert name == "portal_device"
    return rest.split(";")[0]


def login(api, user_agent: str, device: str | None) -> None:
    clock.advance(31)
    headers = {"User-Agent": user_agent}
    if device:
        headers["Cookie"] = f"portal_device={device}"
    assert api.post("/api/v1/auth/login", {"username": "anna.apparaat", "password": PASSWORD},
                    headers=headers).status_code == 200
    if device:
        headers["Cookie"] = f"portal_session={api.cookie}; portal_device={device}"
    assert api.post("/api/v1/auth/totp", {"code": code(SECRET)}, headers=headers).status_code == 200


def notices() -> list:
    return [mail for mail in sent_to(ADDRESS) if "Nieuwe inlog op uw account" in mail.subject]


@pytest.fixture
def anna(user_factory, clock_pinned):
    return user_factory("anna.apparaat", email=ADDRESS, totp_secret=SECRET)


def test_a_new_device_mails_once_a_known_one_never_another_one_again(make_api, anna):
    laptop, phone, other = (device_cookie(make_api(), agent)
                            for agent in (CHROME_WINDOWS, SAFARI_IPHONE, FIREFOX_LINUX))
    login(make_api(), CHROME_WINDOWS, laptop)  # the account's first login: nothing to compare with
    assert notices() == []
    login(make_api(), CHROME_WINDOWS, laptop)
    assert notices() == []
    login(make_api(), SAFARI_IPHONE, phone)
    (notice,) = notices()
    assert notice.subject == "Nieuwe inlog op uw account vanaf Safari op iOS"
    assert "Apparaat: Safari op iOS" in notice.body and "IP-adres: 127.0.0.1" in notice.body
    assert "/account/activity" in notice.body and "15-01-2027 04:01 (UTC-4)" in notice.body
    assert "Dit was ik niet" in notice.body
    login(make_api(), SAFARI_IPHONE, phone)
    assert len(notices()) == 1
    login(make_api(), FIREFOX_LINUX, other)
    assert [mail.subject for mail in notices()][-1] == "Nieuwe inlog op uw account vanaf Firefox op Linux"
    assert len(notices()) == 2


def test_the_login_event_of_a_new_device_is_marked_on_the_activity_page(make_api, anna):
    laptop, phone = device_cookie(make_api(), CHROME_WINDOWS), device_cookie(make_api(), SAFARI_IPHONE)
    login(make_api(), CHROME_WINDOWS, laptop)
    api = make_api()
    login(api, SAFARI_IPHONE, phone)
    assert _last_login(api)["new_device"] is True and _last_login(api)["suspicious"] is True
    known = make_api()
    login(known, SAFARI_IPHONE, phone)
    assert _last_login(known)["new_device"] is False


def _last_login(api) -> dict:
    items = body(api.get("/api/v1/account/activity"))["items"]
    return next(item for item in items if item["action"] == "login.totp")


def test_a_browser_without_the_cookie_mails_at_most_once_per_kind_within_the_hours(make_api, anna):
    login(make_api(), CHROME_WINDOWS, device_cookie(make_api(), CHROME_WINDOWS))
    for _ in range(3):
        login(make_api(), FIREFOX_LINUX, None)
    assert len(notices()) == 1
    clock.advance(device_notices.GROUP_SECONDS)
    login(make_api(), FIREFOX_LINUX, None)
    assert len(notices()) == 2


def test_a_copied_cookie_in_another_kind_of_browser_is_a_new_device(make_api, anna):
    laptop = device_cookie(make_api(), CHROME_WINDOWS)
    login(make_api(), CHROME_WINDOWS, laptop)
    login(make_api(), SAFARI_IPHONE, laptop)
    assert len(notices()) == 1


def test_a_forged_device_cookie_counts_as_none(make_api, anna):
    laptop = device_cookie(make_api(), CHROME_WINDOWS)
    login(make_api(), CHROME_WINDOWS, laptop)
    forged = laptop.split(".")[0] + "." + "A" * 22
    assert devices.device_id(forged) is None
    login(make_api(), SAFARI_IPHONE, forged)
    assert len(notices()) == 1


def test_at_most_the_limit_of_devices_is_remembered_the_least_recently_used_goes(make_api, anna):
    from chalicelib.storage.users import get_user

    first = device_cookie(make_api(), CHROME_WINDOWS)
    login(make_api(), CHROME_WINDOWS, first)
    for _ in range(device_notices.DEVICE_LIMIT):
        login(make_api(), CHROME_WINDOWS, device_cookie(make_api(), CHROME_WINDOWS))
    remembered = get_user("anna.apparaat").known_devices.as_dict()
    assert len(remembered) == device_notices.DEVICE_LIMIT
    assert devices.device_id(first) not in remembered


def test_the_login_pages_hand_out_the_cookie_once(client):
    response = client.http.get("/login")
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("portal_device=") and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    value = cookie.split(";")[0].split("=", 1)[1]
    assert devices.device_id(value) is not None
    again = client.http.get("/login", headers={"Cookie": f"portal_device={value}"})
    assert "Set-Cookie" not in again.headers
    assert client.http.get("/login?lang=en").headers["Set-Cookie"].startswith("lang=en")
