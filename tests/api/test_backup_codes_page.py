"""/mfa/backup-codes when every code is used: the page offers a new list ("Maak nieuwe back-up codes")
instead of a document of used codes, which would open as an empty pop-up."""

from __future__ import annotations

from chalicelib.i18n import t
from chalicelib.storage.users import User


def test_no_backup_codes_left_offers_a_new_list_instead_of_the_document(api, full_login, make_api):
    full_login(api, "zonder.codes")  # 2FA imported with its secret: no backup codes yet
    page = api.get("/mfa/backup-codes").body.decode()
    assert t("mfa.codes.none_left_action") in page and 'href="#new-codes-heading"' in page
    assert 'id="open-form"' not in page
    other = make_api()
    full_login(other, "met.codes")
    User(username="met.codes").update(actions=[User.backup_codes_left.set(10)])
    page = other.get("/mfa/backup-codes").body.decode()
    assert 'id="open-form"' in page and t("mfa.codes.none_left_action") not in page
