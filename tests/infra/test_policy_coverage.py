"""Least privilege that still works: every AWS request the main flows make (recorded at the botocore
level, and the presigned URLs they hand to browsers, which act with the signer's role) is allowed by
the role policy of the function that made it, evaluated against concrete ARNs; the audit trail is
append-only for every role, and the import function reaches only what it uses."""

from __future__ import annotations

import fnmatch
import re
from urllib.parse import unquote

import botocore.client
import pytest

from infra import template
from tests.infra.flows import Flows

PSEUDO = {"AWS::Partition": "aws", "AWS::Region": "us-east-1", "AWS::AccountId": "123456789012",
          "AWS::StackName": "portal-stack", "AWS::URLSuffix": "amazonaws.com"}
TRANSACT_ACTIONS = {"Put": "PutItem", "Update": "UpdateItem", "Delete": "DeleteItem",
                    "ConditionCheck": "ConditionCheckItem", "Get": "GetItem"}


@pytest.fixture
def stack_environment(monkeypatch):
    """Point the local stage at bucket names as the template computes them, before `aws` provisions them."""
    from chalicelib.settings import reset_settings

    prefix = template.table_prefix("local")
    monkeypatch.setenv("PORTAL_IMPORTS_BUCKET", f"{prefix}imports-{PSEUDO['AWS::AccountId']}-{PSEUDO['AWS::Region']}")
    reset_settings()
    yield
    monkeypatch.delenv("PORTAL_IMPORTS_BUCKET")
    reset_settings()


@pytest.fixture
def recorded_calls(monkeypatch):
    """(function, service, operation, params) of every AWS request: "import" while the processing
    function handles an S3 event (its writer threads included), "api" otherwise."""
    import chalicelib.api.import_events as events
    from chalicelib.settings import get_settings
    from chalicelib.storage import files, uploads

    calls: list[tuple[str, str, str, dict]] = []
    running = ["api"]
    original = botocore.client.BaseClient._make_api_call

    def record(client, operation, params):  # type: ignore[no-untyped-def]
        calls.append((running[0], client.meta.service_model.endpoint_prefix, operation, params))
        return original(client, operation, params)

    process_import = events.process_import
    from chalicelib.services import oidc_logout

    run_logouts = oidc_logout.run

    def as_logout_function(*args, **kwargs):  # type: ignore[no-untyped-def]
        running[0] = "logout"
        try:
            return run_logouts(*args, **kwargs)
        finally:
            running[0] = "api"

    def as_import_function(event, context):  # type: ignore[no-untyped-def]
        running[0] = "import"
        try:
            return process_import(event, context)
        finally:
            running[0] = "api"

    def presigned(function, operation: str, bucket):  # type: ignore[no-untyped-def]
        def sign(key: str, *args, **kwargs):  # type: ignore[no-untyped-def]
            calls.append((running[0], "s3", operation, {"Bucket": bucket(), "Key": key}))
            return function(key, *args, **kwargs)
        return sign

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", record)
    monkeypatch.setattr(events, "process_import", as_import_function)
    monkeypatch.setattr(oidc_logout, "run", as_logout_function)
    monkeypatch.setattr(uploads, "presigned_post", presigned(uploads.presigned_post, "PutObject", uploads._bucket))
    monkeypatch.setattr(uploads, "download_url", presigned(uploads.download_url, "GetObject", uploads._bucket))
    monkeypatch.setattr(files, "backup_codes_pdf_link", presigned(
        files.backup_codes_pdf_link, "GetObject", lambda: get_settings().backup_codes_bucket))
    return calls


class Resolver:
    """Concrete values for the template's intrinsic functions, as CloudFormation would resolve them."""

    def __init__(self, doc: dict, settings) -> None:  # type: ignore[no-untyped-def]
        account, region = PSEUDO["AWS::AccountId"], PSEUDO["AWS::Region"]
        self.values = dict(PSEUDO)
        self.values.update({"MailSender": settings.mail_sender, "MailIdentity": settings.mail_sender.split("@")[1],
                            "BackupCodesBucket": settings.backup_codes_bucket,
                            "BackupCodesBucket.Arn": f"arn:aws:s3:::{settings.backup_codes_bucket}",
                            "KeyMaterialSecret": f"arn:aws:secretsmanager:{region}:{account}:secret:keys-AbCdEf",
                            # The functions get the secret's Ref as PORTAL_SIGNING_KEYS_SECRET and name it so
                            # in every call: the Ref is whatever id the stage's settings hold.
                            "SigningKeysSecret": settings.signing_keys_secret,
                            "PortalKey.Arn": f"arn:aws:kms:{region}:{account}:key/1234"})
        for name, resource in doc["Resources"].items():
            if resource.get("Type") == "AWS::DynamoDB::Table":
                table = resource["Properties"]["TableName"]
                self.values[f"{name}.Arn"] = f"arn:aws:dynamodb:{region}:{account}:table/{table}"

    def __call__(self, value):  # type: ignore[no-untyped-def]
        if isinstance(value, str):
            return value
        if "Ref" in value:
            return self.values[value["Ref"]]
        if "Fn::GetAtt" in value:
            return self.values[".".join(value["Fn::GetAtt"])]
        if "Fn::Sub" in value:
            return re.sub(r"\$\{([^}]+)\}", lambda match: self.values[match.group(1)], value["Fn::Sub"])
        raise AssertionError(f"unexpected intrinsic {value}")


def requests_of(service: str, operation: str, params: dict) -> list[tuple[str, str, dict]]:
    """(IAM action, resource ARN, condition keys) that one AWS call needs."""
    account, region = PSEUDO["AWS::AccountId"], PSEUDO["AWS::Region"]

    def table(name: str, index: str | None = None) -> str:
        return f"arn:aws:dynamodb:{region}:{account}:table/{name}" + (f"/index/{index}" if index else "")

    if service == "dynamodb":
        if operation in ("TransactWriteItems", "TransactGetItems"):
            return [(f"dynamodb:{TRANSACT_ACTIONS[kind]}", table(request["TableName"]), {})
                    for item in params["TransactItems"] for kind, request in item.items()]
        if operation in ("BatchWriteItem", "BatchGetItem"):
            return [(f"dynamodb:{operation}", table(name), {}) for name in params["RequestItems"]]
        return [(f"dynamodb:{operation}", table(params["TableName"], params.get("IndexName")), {})]
    if service == "s3" and operation == "CopyObject":
        source = unquote(params["CopySource"])  # botocore has made it "bucket/key" by now
        return [("s3:GetObject", f"arn:aws:s3:::{source}", {}),
                ("s3:PutObject", f"arn:aws:s3:::{params['Bucket']}/{params['Key']}", {})]
    if service == "s3":
        action = "GetObject" if operation == "HeadObject" else operation
        return [(f"s3:{action}", f"arn:aws:s3:::{params['Bucket']}/{params.get('Key', '')}", {})]
    if service == "email":
        sender = params["Source"]
        return [(f"ses:{operation}", f"arn:aws:ses:{region}:{account}:identity/{sender.split('@')[1]}",
                 {"ses:FromAddress": sender})]
    if service == "secretsmanager":
        return [(f"secretsmanager:{operation}", params["SecretId"], {})]
    return [(f"{service}:{operation}", "?", {})]


def allowed(statements: list[dict], resolve, action: str, resource: str, context: dict) -> bool:  # type: ignore[no-untyped-def]
    for statement in statements:
        if statement["Effect"] != "Allow" or action not in statement["Action"]:
            continue
        patterns = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
        if not any(fnmatch.fnmatchcase(resource, resolve(pattern)) for pattern in patterns):
            continue
        conditions = statement.get("Condition", {}).get("StringEquals", {})
        if all(key not in context or context[key] == resolve(value) for key, value in conditions.items()):
            return True
    return False


def statements_of(doc: dict, role: str) -> list[dict]:
    return next(policy["PolicyDocument"]["Statement"] for policy in doc["Resources"][role]["Properties"]["Policies"]
                if policy["PolicyName"] == "portal-resources")


ROLES = {"api": "ApiHandlerRole", "import": "ProcessImportRole", "logout": "DeliverLogoutsRole"}


@pytest.fixture
def doc() -> dict:
    return template.build("local", functions=[template.API_HANDLER, "process_import", "deliver_logouts"])


def test_every_aws_call_of_the_main_flows_is_allowed_by_its_functions_role_policy(
        stack_environment, make_api, user_factory, full_login, recorded_calls, doc):
    from chalicelib.settings import get_settings

    resolve = Resolver(doc, get_settings())
    Flows(make_api, user_factory, full_login).run()
    assert len(recorded_calls) > 100
    # SQS is the local stage's stand-in for S3 invoking the import function; on AWS it is not there.
    needed = {(function, action, resource, tuple(sorted(context.items())))
              for function, service, operation, params in recorded_calls if service != "sqs"
              for action, resource, context in requests_of(service, operation, params)}
    assert {function for function, *_ in needed} == {"api", "import", "logout"}
    refused = sorted(request for request in needed
                     if not allowed(statements_of(doc, ROLES[request[0]]), resolve, request[1], request[2],
                                    dict(request[3])))
    assert refused == []
    # And nothing more: every table and object action a role grants is one its function needed.
    for function, role in ROLES.items():
        used = {action for made_by, action, _, _ in needed if made_by == function}
        granted = {action for statement in statements_of(doc, role) for action in statement["Action"]
                   if action.startswith(("dynamodb:", "s3:"))}
        assert granted <= used, (function, sorted(granted - used))


def _table_arn(table: str) -> str:
    return f"arn:aws:dynamodb:us-east-1:123456789012:table/{template.table_prefix('local')}{table}"


@pytest.mark.parametrize("role", sorted(ROLES.values()))
def test_the_audit_trail_is_append_only_for_every_role(aws, doc, role):
    from chalicelib.settings import get_settings

    resolve = Resolver(doc, get_settings())
    statements = statements_of(doc, role)
    audit = _table_arn("audit_events")
    for action in ("UpdateItem", "DeleteItem", "BatchWriteItem", "PartiQLUpdate", "PartiQLDelete"):
        assert not allowed(statements, resolve, f"dynamodb:{action}", audit, {}), action
    assert allowed(statements, resolve, "dynamodb:PutItem", audit, {})
    granted = {action for statement in statements for pattern in
               (statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]])
               if fnmatch.fnmatchcase(audit, resolve(pattern)) for action in statement["Action"]}
    assert granted <= {"dynamodb:PutItem", "dynamodb:GetItem", "dynamodb:Query"}


def test_the_import_function_reaches_only_what_it_uses(aws, doc):
    from chalicelib.settings import get_settings

    settings = get_settings()
    resolve = Resolver(doc, settings)
    statements = statements_of(doc, "ProcessImportRole")
    for table in ("sessions", "backup_codes", "lockouts", "support_requests"):
        for action in ("GetItem", "PutItem", "UpdateItem", "DeleteItem", "Query"):
            assert not allowed(statements, resolve, f"dynamodb:{action}", _table_arn(table), {}), (table, action)
    # Accounts: read only (the clients it mails are found by CRIB).
    assert allowed(statements, resolve, "dynamodb:Query", _table_arn("users") + "/index/crib-index", {})
    for action in ("PutItem", "UpdateItem", "DeleteItem"):
        assert not allowed(statements, resolve, f"dynamodb:{action}", _table_arn("users"), {})
    for action in ("GetObject", "PutObject", "DeleteObject"):
        assert not allowed(statements, resolve, f"s3:{action}",
                           f"arn:aws:s3:::{settings.backup_codes_bucket}/backup-codes/x.pdf", {})
    # It can read an upload but never write one: only the browser's presigned POST (the API's) can.
    imports = resolve(template.imports_bucket_arn(template.table_prefix("local")))
    assert allowed(statements, resolve, "s3:GetObject", f"{imports}/uploads/x.csv", {})
    assert not allowed(statements, resolve, "s3:PutObject", f"{imports}/uploads/x.csv", {})


def test_the_logout_runner_reaches_only_what_it_uses(aws, doc):
    """It reads accounts, sessions, clients and authorizations, moves grants on and appends to the
    audit trail: it never changes an account, a session or an authorization, nor touches a file."""
    from chalicelib.settings import get_settings

    settings = get_settings()
    resolve = Resolver(doc, settings)
    statements = statements_of(doc, "DeliverLogoutsRole")
    for table in ("users", "sessions", "authorizations", "oidc_clients"):
        for action in ("PutItem", "UpdateItem", "DeleteItem"):
            assert not allowed(statements, resolve, f"dynamodb:{action}", _table_arn(table), {}), (table, action)
    for table in ("backup_codes", "lockouts", "support_requests", "oidc_codes", "oidc_refresh_tokens", "outbox"):
        for action in ("GetItem", "PutItem", "UpdateItem", "DeleteItem", "Query"):
            assert not allowed(statements, resolve, f"dynamodb:{action}", _table_arn(table), {}), (table, action)
    assert allowed(statements, resolve, "dynamodb:UpdateItem", _table_arn("oidc_grants"), {})
    assert not allowed(statements, resolve, "dynamodb:DeleteItem", _table_arn("oidc_grants"), {})
    assert not allowed(statements, resolve, "s3:GetObject", f"arn:aws:s3:::{settings.backup_codes_bucket}/x.pdf", {})
    # The signing keys: read, and the first key written; no other secret is written.
    assert allowed(statements, resolve, "secretsmanager:PutSecretValue", settings.signing_keys_secret, {})
    assert not allowed(statements, resolve, "secretsmanager:PutSecretValue", resolve({"Ref": "KeyMaterialSecret"}), {})
    api = statements_of(doc, "ApiHandlerRole")
    assert not allowed(api, resolve, "secretsmanager:PutSecretValue", settings.signing_keys_secret, {})
