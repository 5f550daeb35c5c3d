"""The accessibility check itself: axe-core really runs inside the portal's pages despite their CSP,
and it really finds violations (so a passing page means something)."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import AXE, axe_violations


def test_axe_runs_under_the_portal_csp_and_the_login_page_passes(portal, page, check_accessibility):
    page.goto(f"{portal.url}/login")
    # The CSP refuses an injected <script> tag, exactly as it would an attacker's.
    with pytest.raises(Exception, match="Content Security Policy"):
        page.add_script_tag(path=str(AXE))
    check_accessibility(page)
    assert page.evaluate("axe.version").startswith("4.")


def test_axe_reports_serious_violations(page):
    page.set_content('<html><body><img src="data:image/gif;base64,R0lGODlhAQABAAAAACw="><input type="text">'
                     '<button></button></body></html>')
    found = {violation["id"] for violation in axe_violations(page)}
    assert {"image-alt", "label", "button-name"} <= found
