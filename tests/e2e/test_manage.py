"""`python -m chalicelib.manage create-user` against the running local stage."""

from __future__ import annotations


def test_create_user_then_login(portal):
    result = portal.manage("create-user", "--username", "ops.created", "--email", "ops@example.org",
                           "--password", "Correct-Horse-Battery-9", "--role", "support", "--totp-secret",
                           "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
    assert result.returncode == 0, result.stderr
    assert "2FA active" in result.stdout
    response = portal.session().post(f"{portal.url}/api/v1/auth/login",
                                     json={"username": "ops.created", "password": "Correct-Horse-Battery-9"})
    assert response.json() == {"next": "totp"}


def test_weak_password_is_refused_with_exit_code_1(portal):
    result = portal.manage("create-user", "--username", "ops.weak", "--email", "weak@example.org",
                           "--password", "password1234")
    assert result.returncode == 1
    assert "too common" in result.stderr
    response = portal.session().post(f"{portal.url}/api/v1/auth/login",
                                     json={"username": "ops.weak", "password": "password1234"})
    assert response.status_code == 401


def test_existing_username_is_refused_with_exit_code_1(portal):
    args = ("create-user", "--username", "ops.twice", "--email", "twice@example.org",
            "--password", "Correct-Horse-Battery-9")
    assert portal.manage(*args).returncode == 0
    second = portal.manage(*args[:-1], "Another-Password-Entirely-1")
    assert second.returncode == 1
    assert "already exists" in second.stderr
    response = portal.session().post(f"{portal.url}/api/v1/auth/login",
                                     json={"username": "ops.twice", "password": "Correct-Horse-Battery-9"})
    assert response.status_code == 200


def test_bad_crib_and_secret_are_refused(portal):
    bad_crib = portal.manage("create-user", "--username", "ops.crib", "--email", "crib@example.org",
                             "--password", "Correct-Horse-Battery-9", "--crib", "12345")
    assert bad_crib.returncode == 1 and "crib" in bad_crib.stderr
    bad_secret = portal.manage("create-user", "--username", "ops.secret", "--email", "s@example.org",
                               "--password", "Correct-Horse-Battery-9", "--totp-secret", "not base32!")
    assert bad_secret.returncode == 1 and "totp_secret" in bad_secret.stderr


def test_a_totp_secret_under_160_bits_is_refused(portal):
    short = portal.manage("create-user", "--username", "ops.short", "--email", "short@example.org",
                          "--password", "Correct-Horse-Battery-9", "--totp-secret", "JBSWY3DPEHPK3PXP")
    assert short.returncode == 1
    assert "at least 160 bits" in short.stderr
    # Nothing was created: the name is still free.
    retried = portal.manage("create-user", "--username", "ops.short", "--email", "short@example.org",
                            "--password", "Correct-Horse-Battery-9", "--totp-secret",
                            "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
    assert retried.returncode == 0, retried.stderr


def test_backfill_reservations_reserves_what_older_accounts_lack_and_is_idempotent(portal):
    import boto3

    assert portal.manage("create-user", "--username", "ops.oud", "--email", "Oud@Example.org", "--password",
                         "Correct-Horse-Battery-9", "--crib", "555000333").returncode == 0
    dynamodb = boto3.client("dynamodb", endpoint_url=f"http://127.0.0.1:{portal.moto_port}", region_name="us-east-1",
                            aws_access_key_id="testing", aws_secret_access_key="testing")
    # As if the account had been made before reservations existed.
    for key in ("email#oud@example.org", "crib#555000333"):
        dynamodb.delete_item(TableName="portal-local-users", Key={"username": {"S": key}})

    first = portal.manage("backfill-reservations")
    second = portal.manage("backfill-reservations")

    assert (first.returncode, second.returncode) == (0, 0), first.stderr + second.stderr
    assert first.stdout.startswith("reserved 2, ") and first.stdout.rstrip().endswith("clashes 0")
    assert second.stdout.startswith("reserved 0, ")
    owners = [dynamodb.get_item(TableName="portal-local-users", Key={"username": {"S": key}},
                                ConsistentRead=True)["Item"]["owner"]["S"]
              for key in ("email#oud@example.org", "crib#555000333")]
    assert owners == ["ops.oud", "ops.oud"]
    # The reserved address is now refused to a new account.
    taken = portal.manage("create-user", "--username", "ops.nieuw", "--email", "oud@example.org", "--password",
                          "Correct-Horse-Battery-9")
    assert taken.returncode == 1 and "(email)" in taken.stderr
