"""Least privilege that still works: every AWS request the main flows make (recorded at the botocore
level) is allowed by the role policy of the deployment template, evaluated against concrete ARNs."""

from __future__ import annotations

import fnmatch
import re

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
    calls: list[tuple[str, str, dict]] = []
    original = botocore.client.BaseClient._make_api_call

    def record(client, operation, params):  # type: ignore[no-untyped-def]
        calls.append((client.meta.service_model.endpoint_prefix, operation, params))
        return original(client, operation, params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", record)
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


def test_every_aws_call_of_the_main_flows_is_allowed_by_the_role_policy(
        stack_environment, make_api, user_factory, full_login, recorded_calls):
    from chalicelib.settings import get_settings

    doc = template.build("local", functions=[template.API_HANDLER])
    statements = next(policy["PolicyDocument"]["Statement"]
                      for policy in doc["Resources"]["ApiHandlerRole"]["Properties"]["Policies"]
                      if policy["PolicyName"] == "portal-resources")
    resolve = Resolver(doc, get_settings())
    Flows(make_api, user_factory, full_login).run()
    assert len(recorded_calls) > 100
    # SQS is the local stage's stand-in for S3 invoking the import function; on AWS it is not there.
    needed = {(action, resource, tuple(sorted(context.items())))
              for service, operation, params in recorded_calls if service != "sqs"
              for action, resource, context in requests_of(service, operation, params)}
    refused = sorted(request for request in needed if not allowed(statements, resolve, request[0], request[1],
                                                                    dict(request[2])))
    assert refused == []
    # And nothing more: every table and object action the role grants is one the flows needed.
    used_actions = {action for action, _, _ in needed}
    assert set(template.TABLE_ACTIONS + template.OBJECT_ACTIONS) <= used_actions
