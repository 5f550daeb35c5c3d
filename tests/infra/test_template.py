"""The packaged CloudFormation template: valid (cfn-lint), least privilege, every resource hardened,
the functions pointed at exactly the resources the template creates, import processing wired."""

from __future__ import annotations

import json
import re

import pytest

from chalicelib.storage.keys import KEY_MATERIAL
from chalicelib.storage.tables import models
from chalicelib.storage.uploads import UPLOAD_PREFIX
from infra import package as packaging
from infra import template

TABLE = "AWS::DynamoDB::Table"


def resources_of(doc: dict, kind: str) -> dict[str, dict]:
    return {name: resource for name, resource in doc["Resources"].items() if resource.get("Type") == kind}


def statements(document: dict) -> list[dict]:
    found = document["Statement"]
    return found if isinstance(found, list) else [found]


def as_list(value) -> list:
    return value if isinstance(value, list) else [value]


def role_statements(doc: dict) -> list[tuple[str, dict]]:
    return [(name, statement)
            for name, role in resources_of(doc, "AWS::IAM::Role").items()
            for policy in role["Properties"]["Policies"]
            for statement in statements(policy["PolicyDocument"])]


def all_policy_statements(doc: dict) -> list[tuple[str, dict]]:
    found = list(role_statements(doc))
    for name, resource in doc["Resources"].items():
        properties = resource.get("Properties", {})
        for document in (properties.get("PolicyDocument"), properties.get("KeyPolicy")):
            if document:
                found += [(name, statement) for statement in statements(document)]
    return found


def references(value) -> set[str]:
    """Logical ids a template value depends on (Ref, GetAtt, ${X} in Sub)."""
    found: set[str] = set()
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "Ref":
                found.add(item)
            elif key == "Fn::GetAtt":
                found.add(item[0] if isinstance(item, list) else item.split(".")[0])
            elif key == "Fn::Sub":
                text = item[0] if isinstance(item, list) else item
                found |= {name.split(".")[0] for name in re.findall(r"\$\{([^}!]+)\}", text)}
                if isinstance(item, list):
                    found |= references(item[1])
            else:
                found |= references(item)
    elif isinstance(value, list):
        for item in value:
            found |= references(item)
    return found


def dependency_cycle(doc: dict) -> list[str] | None:
    """A cycle among the template's resources, if any (CloudFormation refuses such a template)."""
    resources = doc["Resources"]
    edges = {}
    for name, resource in resources.items():
        targets = references(resource.get("Properties", {})) | set(as_list(resource.get("DependsOn", [])))
        edges[name] = {target for target in targets if target in resources}
    state: dict[str, int] = {}

    def visit(name: str, path: list[str]) -> list[str] | None:
        state[name] = 1
        for target in edges[name]:
            if state.get(target) == 1:
                return [*path, name, target]
            if target not in state and (cycle := visit(target, [*path, name])):
                return cycle
        state[name] = 2
        return None

    for name in resources:
        if name not in state and (cycle := visit(name, [])):
            return cycle
    return None


# ---------------------------------------------------------------- validity


def test_cfn_lint_finds_no_errors(packaged):
    result = packaging.cfn_lint(packaged.template_path)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_packaged_template_has_no_dependency_cycle(packaged):
    assert dependency_cycle(packaged.template) is None


def test_the_package_is_chalices_template_with_the_infra_resources_merged(packaged):
    resources = packaged.template["Resources"]
    assert resources["APIHandler"]["Type"] == "AWS::Serverless::Function"
    assert resources["APIHandler"]["Properties"]["Runtime"] == "python3.11"
    assert resources["RestAPI"]["Type"] == "AWS::Serverless::Api"
    assert set(template.build("prod")["Resources"]) <= set(resources)


# ---------------------------------------------------------------- least privilege


def test_no_allow_statement_grants_every_action_of_a_service(packaged):
    for where, statement in all_policy_statements(packaged.template):
        if statement["Effect"] != "Allow":
            continue
        for action in as_list(statement["Action"]):
            assert action != "*" and not action.endswith(":*"), (where, action)


def test_the_functions_roles_never_name_every_resource(packaged):
    for role, statement in role_statements(packaged.template):
        for resource in as_list(statement["Resource"]):
            assert resource != "*", (role, statement["Sid"])
            # Wildcards only for objects inside this stack's buckets and streams inside its log groups.
            text = resource["Fn::Sub"] if isinstance(resource, dict) and "Fn::Sub" in resource else str(resource)
            assert "*" not in text or text.endswith(("/*", ":*")), (role, text)


def test_each_role_names_its_own_tables_and_their_indexes_with_per_table_actions(packaged):
    doc = packaged.template
    tables = resources_of(doc, TABLE)
    indexes = {name: {f"${{{name}.Arn}}/index/{index['IndexName']}"
                      for index in table["Properties"].get("GlobalSecondaryIndexes", [])}
               for name, table in tables.items()}
    roles = resources_of(doc, "AWS::IAM::Role")
    assert set(roles) == {"ApiHandlerRole", "ProcessImportRole", "SendOutboxRole", "SealAuditRole",
                          "DeliverLogoutsRole"}  # one role per function
    expected = {"ApiHandlerRole": set(tables),
                "ProcessImportRole": {"AuthorizationsTable", "ImportJobsTable", "AuditEventsTable", "UsersTable",
                                      "OutboxTable"},
                "SendOutboxRole": {"OutboxTable", "AuditEventsTable"},
                "SealAuditRole": {"AuditEventsTable"},
                "DeliverLogoutsRole": {"OidcGrantsTable", "OidcClientsTable", "UsersTable", "SessionsTable",
                                       "AuthorizationsTable", "AuditEventsTable"}}
    for role in roles:
        statements = [statement for name, statement in role_statements(doc) if name == role]
        on_tables = {statement["Resource"]["Fn::GetAtt"][0]: statement["Action"] for statement in statements
                     if isinstance(statement["Resource"], dict) and statement["Resource"].get("Fn::GetAtt", [""])[0]
                     in tables}
        assert set(on_tables) == expected[role]
        assert all(action.startswith("dynamodb:") and "Table" not in action and "PartiQL" not in action
                   for actions in on_tables.values() for action in actions)
        # The audit trail is append-only.
        assert set(on_tables["AuditEventsTable"]) <= {"dynamodb:PutItem", "dynamodb:GetItem", "dynamodb:Query"}
        [on_indexes] = [statement for statement in statements if statement["Sid"] == "Indexes"]
        assert on_indexes["Action"] == ["dynamodb:Query"]
        assert {ref["Fn::Sub"] for ref in on_indexes["Resource"]} == {
            arn for name, actions in on_tables.items() if "dynamodb:Query" in actions for arn in indexes[name]}


def test_role_may_read_only_the_key_material_secret_and_decrypt_only_through_secrets_manager(packaged):
    for role, statement in role_statements(packaged.template):
        if statement["Sid"] == "KeyMaterial":
            assert statement["Action"] == ["secretsmanager:GetSecretValue"]
            assert statement["Resource"] == {"Ref": "KeyMaterialSecret"}
        if statement["Sid"] == "KeyMaterialDecryption":
            assert statement["Action"] == ["kms:Decrypt"]
            assert statement["Resource"] == {"Fn::GetAtt": ["PortalKey", "Arn"]}
            assert "kms:ViaService" in statement["Condition"]["StringEquals"]
        if statement["Sid"] == "Mail":
            assert statement["Action"] == ["ses:SendEmail"]
            assert "${MailIdentity}" in statement["Resource"]["Fn::Sub"]
            assert statement["Condition"]["StringEquals"]["ses:FromAddress"] == {"Ref": "MailSender"}


def test_only_the_api_and_the_logout_runner_read_the_signing_keys_and_only_the_runner_adds_one(packaged):
    reads, writes, encrypts = set(), set(), set()
    for role, statement in role_statements(packaged.template):
        if statement["Resource"] == {"Ref": "SigningKeysSecret"}:
            if statement["Action"] == ["secretsmanager:GetSecretValue"]:
                reads.add(role)
            else:
                assert statement["Action"] == ["secretsmanager:PutSecretValue"], (role, statement)
                writes.add(role)
        if statement["Sid"] == "SigningKeysEncryption":
            assert statement["Action"] == ["kms:GenerateDataKey"]
            assert statement["Resource"] == {"Fn::GetAtt": ["PortalKey", "Arn"]}
            assert "kms:ViaService" in statement["Condition"]["StringEquals"]
            encrypts.add(role)
    assert reads == {"ApiHandlerRole", "DeliverLogoutsRole"}
    assert writes == encrypts == {"DeliverLogoutsRole"}
    secret = packaged.template["Resources"]["SigningKeysSecret"]
    assert secret["Properties"]["KmsKeyId"] == {"Ref": "PortalKey"} and secret["DeletionPolicy"] == "Retain"


# ---------------------------------------------------------------- hardened resources


def test_every_table_is_on_demand_recoverable_encrypted_and_retained(packaged):
    tables = resources_of(packaged.template, TABLE)
    assert len(tables) == len(models())
    for name, table in tables.items():
        properties = table["Properties"]
        assert properties["BillingMode"] == "PAY_PER_REQUEST", name
        assert properties["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}, name
        assert properties["SSESpecification"] == {"SSEEnabled": True}, name
        assert properties["DeletionProtectionEnabled"] is True, name
        assert table["DeletionPolicy"] == "Retain", name


def test_tables_with_expiring_items_have_ttl_on_the_models_attribute(packaged):
    tables = {table["Properties"]["TableName"]: table["Properties"]
              for table in resources_of(packaged.template, TABLE).values()}
    expiring = [model for model in models() if model.Meta.ttl_attribute]
    assert expiring, "sessions at least expire"
    for model in expiring:
        specification = tables[f"portal-prod-{model.Meta.table}"]["TimeToLiveSpecification"]
        assert specification == {"AttributeName": model.Meta.ttl_attribute, "Enabled": True}


@pytest.mark.parametrize("bucket, days", [("BackupCodesBucket", 1), ("ImportsBucket", 7)])
def test_buckets_are_private_encrypted_expiring_and_tls_only(packaged, bucket, days):
    resources = packaged.template["Resources"]
    properties = resources[bucket]["Properties"]
    assert properties["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True, "BlockPublicPolicy": True, "IgnorePublicAcls": True, "RestrictPublicBuckets": True}
    encryption = properties["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]
    assert encryption["ServerSideEncryptionByDefault"]["SSEAlgorithm"] in ("AES256", "aws:kms")
    [rule] = properties["LifecycleConfiguration"]["Rules"]
    assert rule["Status"] == "Enabled" and rule["ExpirationInDays"] == days
    policy = resources[f"{bucket}Policy"]["Properties"]
    assert policy["Bucket"] == {"Ref": bucket}
    denials = [statement for statement in statements(policy["PolicyDocument"]) if statement["Effect"] == "Deny"]
    assert {"Bool": {"aws:SecureTransport": "false"}} in [statement["Condition"] for statement in denials]


def test_imports_bucket_accepts_the_browsers_presigned_post_from_the_portals_origin_only(packaged):
    [rule] = packaged.template["Resources"]["ImportsBucket"]["Properties"]["CorsConfiguration"]["CorsRules"]
    assert rule["AllowedMethods"] == ["POST"]
    assert rule["AllowedOrigins"] == [{"Ref": "PublicOrigin"}]


def test_key_material_is_generated_retained_and_encrypted_with_a_rotated_key(packaged):
    resources = packaged.template["Resources"]
    secret = resources["KeyMaterialSecret"]
    assert secret["DeletionPolicy"] == "Retain"
    assert secret["Properties"]["KmsKeyId"] == {"Ref": "PortalKey"}
    assert secret["Properties"]["GenerateSecretString"]["GenerateStringKey"] == KEY_MATERIAL
    assert resources["PortalKey"]["Properties"]["EnableKeyRotation"] is True


# ---------------------------------------------------------------- functions


def test_every_function_is_pointed_at_exactly_this_stacks_resources(packaged):
    resources = packaged.template["Resources"]
    tables = {table["Properties"]["TableName"] for table in resources_of(packaged.template, TABLE).values()}
    functions = resources_of(packaged.template, "AWS::Serverless::Function")
    assert "APIHandler" in functions
    for name, function in functions.items():
        variables = function["Properties"]["Environment"]["Variables"]
        assert variables["PORTAL_STAGE"] == "prod"
        assert tables == {f"{variables['PORTAL_TABLE_PREFIX']}{model.Meta.table}" for model in models()}
        assert variables["PORTAL_BACKUP_CODES_BUCKET"] == {"Ref": "BackupCodesBucket"}
        assert variables["PORTAL_IMPORTS_BUCKET"] == resources["ImportsBucket"]["Properties"]["BucketName"]
        assert variables["PORTAL_SECRETS_ARN"] == {"Ref": "KeyMaterialSecret"}
        assert variables["PORTAL_MAIL_SENDER"] == {"Ref": "MailSender"}
        assert variables["PORTAL_PUBLIC_ORIGIN"] == {"Ref": "PublicOrigin"}  # mail links and the CSRF check
        assert function["Properties"]["Timeout"] <= 900
        assert function["Properties"]["MemorySize"] >= 1024, "argon2 needs CPU, which Lambda scales with memory"
        log_group = resources[f"{name}LogGroup"]["Properties"]["LogGroupName"]
        assert log_group == {"Fn::Sub": function["Properties"]["FunctionName"]["Fn::Sub"].replace(
            "${AWS::StackName}", "/aws/lambda/${AWS::StackName}")}
    assert functions["APIHandler"]["Properties"]["Timeout"] <= 30, "API Gateway gives up after 29 seconds"


def test_an_import_function_is_started_by_uploads_to_the_imports_bucket():
    doc = template.build("prod", functions=[template.API_HANDLER, "process_import"])
    resources = doc["Resources"]
    bucket = resources["ImportsBucket"]
    [trigger] = bucket["Properties"]["NotificationConfiguration"]["LambdaConfigurations"]
    assert trigger["Event"] == "s3:ObjectCreated:*"
    assert trigger["Function"] == {"Fn::GetAtt": ["ProcessImport", "Arn"]}
    # Uploads only: the error report the function writes into the same bucket must not start it again.
    assert trigger["Filter"] == {"S3Key": {"Rules": [{"Name": "prefix", "Value": UPLOAD_PREFIX}]}}
    permission = resources["ProcessImportS3Permission"]["Properties"]
    assert permission["Principal"] == "s3.amazonaws.com"
    assert permission["SourceArn"]["Fn::Sub"].endswith(bucket["Properties"]["BucketName"]["Fn::Sub"])
    assert bucket["DependsOn"] == ["ProcessImportS3Permission"]  # S3 checks the permission on creation
    assert resources["ProcessImport"]["Properties"]["Timeout"] == 900
    assert "Policies" in resources["ProcessImportRole"]["Properties"]
    # Chalice's own resources complete the cycle check: function -> role, API -> API handler.
    doc["Resources"].update({
        "ProcessImport": {**resources["ProcessImport"], "Properties": {
            **resources["ProcessImport"]["Properties"], "Role": {"Fn::GetAtt": ["ProcessImportRole", "Arn"]}}},
        "RestAPI": {"Properties": {"DefinitionBody": {"uri": {"Fn::Sub": "${APIHandler.Arn}"}}}},
        "APIHandler": {**resources["APIHandler"], "Properties": {
            **resources["APIHandler"]["Properties"], "Role": {"Fn::GetAtt": ["ApiHandlerRole", "Arn"]}}},
    })
    assert dependency_cycle(doc) is None


def test_a_lambda_function_without_a_known_trigger_is_refused():
    with pytest.raises(ValueError, match="nightly_report"):
        template.build("prod", functions=[template.API_HANDLER, "nightly_report"])


def test_api_gateways_own_answers_use_the_envelope_and_the_security_headers():
    from infra.template import build

    resources = build("prod")["Resources"]
    responses = {item["Properties"]["ResponseType"]: item["Properties"] for item in resources.values()
                 if item.get("Type") == "AWS::ApiGateway::GatewayResponse"}
    assert set(responses) == {"MISSING_AUTHENTICATION_TOKEN", "THROTTLED", "DEFAULT_4XX", "DEFAULT_5XX"}
    unknown_path = responses["MISSING_AUTHENTICATION_TOKEN"]
    assert unknown_path["StatusCode"] == "404" and unknown_path["RestApiId"] == {"Ref": "RestAPI"}
    assert json.loads(unknown_path["ResponseTemplates"]["application/json"])["error"]["code"] == "not_found"
    for properties in responses.values():
        headers = properties["ResponseParameters"]
        assert headers["gatewayresponse.header.X-Content-Type-Options"] == "'nosniff'"
        assert headers["gatewayresponse.header.Cache-Control"] == "'no-store'"
        error = json.loads(properties["ResponseTemplates"]["application/json"])["error"]
        assert error["code"] and error["message"]


def test_unknown_paths_reach_the_function_through_a_greedy_resource(packaged):
    """API Gateway hands a path no route has to the API function (which answers with the 404 page, or the
    envelope under /api/), instead of answering "Missing Authentication Token" itself; every route of
    chalice's own stays its own resource (a more specific one always wins)."""
    paths = packaged.template["Resources"]["RestAPI"]["Properties"]["DefinitionBody"]["paths"]
    catch_all = paths["/{proxy+}"]["x-amazon-apigateway-any-method"]
    integration = catch_all["x-amazon-apigateway-integration"]
    assert integration["type"] == "aws_proxy" and integration["httpMethod"] == "POST"
    assert "${APIHandler.Arn}" in integration["uri"]["Fn::Sub"]
    assert catch_all["parameters"] == [{"name": "proxy", "in": "path", "required": True, "type": "string"}]
    assert "/login" in paths and "/api/v1/auth/login" in paths
    from chalicelib.api.http import CATCH_ALL_RESOURCE

    assert CATCH_ALL_RESOURCE == "/{proxy+}"
