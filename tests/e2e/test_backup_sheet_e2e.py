"""The portal's one-time link to the backup-code sheet against the real stage: twenty tabs opening it at
once get one redirect to the PDF between them, and the other nineteen the page saying the link is spent."""

from __future__ import annotations

from urllib.parse import urlsplit

import requests

from tests.backup_sheet import codes_in
from tests.e2e.test_2fa_e2e import PARALLEL, enroll, in_parallel


def test_twenty_parallel_opens_of_one_sheet_link_redirect_once(portal):
    http, _, link = enroll(portal, "e2e.sheet.race")
    assert urlsplit(link).path.startswith("/mfa/backup-codes/sheet/")
    answers: list[requests.Response] = []

    def open_link() -> requests.Response:
        response = http.get(link, allow_redirects=False, timeout=30)
        answers.append(response)
        return response

    statuses = in_parallel([open_link] * PARALLEL)
    assert statuses.count(302) == 1 and statuses.count(410) == PARALLEL - 1, statuses
    location = next(answer for answer in answers if answer.status_code == 302).headers["Location"]
    assert len(codes_in(requests.get(location, timeout=10).content)) == 10
    spent = next(answer for answer in answers if answer.status_code == 410)
    assert "text/html" in spent.headers["Content-Type"] and "Deze link werkt niet meer" in spent.text
