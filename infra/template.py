"""The AWS resources of the service, as the CloudFormation template that `chalice package
--merge-template` merges into Chalice's own (API Gateway + Lambda functions + their roles).

Tables are generated from the pynamodb models listed in `chalicelib/storage/tables.py` (keys,
indexes and TTL attribute have one source of truth); beside them the private buckets, the
key-material secret under a customer-managed KMS key, SES sender parameters, each function's
environment (the names of exactly these resources), log groups, the S3 event that starts import
processing, and each function's IAM policy naming only the resources and actions its code uses.
That policy replaces the one Chalice puts on each function's role from `.chalice/policy-<stage>.json`
(which Chalice requires with autogen_policy off; it holds only the log permissions).

    python -m infra.template [--stage prod] > resources.json
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from chalice.utils import to_cfn_resource_name

ROOT = Path(__file__).resolve().parent.parent
API_HANDLER = "api_handler"
# Imports are processed asynchronously: the upload to the imports bucket starts the function whose
# name contains this word (Chalice cannot package `on_s3_event`, so the wiring lives here).
IMPORT_FUNCTION_WORD = "import"
BACKUP_CODES_EXPIRY_DAYS = 1  # docs/security.md: the PDF is gone within a day
IMPORTS_EXPIRY_DAYS = 7
ASYNC_FUNCTION_TIMEOUT = 900  # Lambda's maximum: 100,000 rows must never be cut off
ASYNC_FUNCTION_MEMORY = 1024
# The outbox's retry runs every minute (its schedule `chalice package` wires itself); one run sends
# at most 100 mails, each within SES's few seconds, so it ends well before the next one starts.
SCHEDULED_FUNCTION_TIMEOUT = 60

# The DynamoDB requests the storage layer makes (pynamodb: get/save/update/delete, transactions,
# queries, batch reads and writes of the import), per function and table. TransactGetItems and
# TransactWriteItems need no action of their own: IAM authorizes each item of a transaction by its own
# action (GetItem, PutItem, UpdateItem, DeleteItem, ConditionCheckItem) on its own table.
GET = "dynamodb:GetItem"
PUT = "dynamodb:PutItem"
UPDATE = "dynamodb:UpdateItem"
DELETE = "dynamodb:DeleteItem"
QUERY = "dynamodb:Query"
CHECK = "dynamodb:ConditionCheckItem"
BATCH_GET = "dynamodb:BatchGetItem"
BATCH_WRITE = "dynamodb:BatchWriteItem"
SCAN = "dynamodb:Scan"
# The one table the API reads whole: the desk lists the registered tax applications (a handful of items).
API_SCANNED_TABLES = ("oidc_clients",)
ITEM_ACTIONS = [BATCH_WRITE, CHECK, DELETE, GET, PUT, QUERY, UPDATE]
# The audit trail is append-only: an event is written once and read, never changed or removed, by any
# function (BatchWriteItem could delete, so it is not granted either).
AUDIT_ACTIONS = [GET, PUT, QUERY]
AUDIT_TABLE = "audit_events"
# The import function reads the upload, registers authorizations, keeps its job and the firm's slot,
# audits its end and mails the clients it finds by CRIB: nothing of sessions, lockouts, backup codes or
# support requests.
IMPORT_TABLE_ACTIONS = {
    "authorizations": [BATCH_GET, BATCH_WRITE, QUERY],
    "import_jobs": [CHECK, GET, UPDATE],
    AUDIT_TABLE: [PUT],
    "outbox": [PUT],  # a notice SES would not take waits there
    "users": [GET, QUERY],
}
# The outbox's retry reads the due mails (its index), claims, reschedules or marks each one
# (UpdateItem), deletes it once sent, and audits a mail that failed for good: nothing else.
OUTBOX_TABLE_ACTIONS = {
    "outbox": [DELETE, QUERY, UPDATE],
    AUDIT_TABLE: [PUT],
}
# The audit sealer reads a day's events and seal links (queries of the table itself, no index) and
# appends links: nothing else, and never a change of an event.
SEAL_TABLE_ACTIONS = {AUDIT_TABLE: [PUT, QUERY]}
# The back-channel logout runner reads the due client logins (their index), each one's account and
# sessions (is the session still running?), the client and the authorizations a representation was
# issued under, moves the grant on (UpdateItem) and audits a delivery: nothing else.
LOGOUT_TABLE_ACTIONS = {
    "oidc_grants": [GET, QUERY, UPDATE],
    "oidc_clients": [GET],
    "users": [GET],
    "sessions": [QUERY],
    "authorizations": [GET],
    AUDIT_TABLE: [PUT],
}
# The functions that sign tokens with the OpenID Connect provider's keys (read-only: the operations
# command's rotate-signing-key writes the secret with an operator's credentials) ...
SIGNING_FUNCTIONS = (API_HANDLER, "deliver_logouts")
# ... and the one that adds a stage's first key when it finds the secret empty (the logout runner,
# storage/signing_keys.py ensure_first_key): a scheduled function no request reaches, not the API's.
FIRST_KEY_FUNCTION = "deliver_logouts"
SCHEDULED_TABLE_ACTIONS = {"send_outbox": OUTBOX_TABLE_ACTIONS, "seal_audit": SEAL_TABLE_ACTIONS,
                           "deliver_logouts": LOGOUT_TABLE_ACTIONS}
INDEX_ACTIONS = [QUERY]

KEY_ADMIN_ACTIONS = [
    "kms:CancelKeyDeletion", "kms:CreateGrant", "kms:Decrypt", "kms:DescribeKey", "kms:DisableKey",
    "kms:DisableKeyRotation", "kms:EnableKey", "kms:EnableKeyRotation", "kms:Encrypt", "kms:GenerateDataKey",
    "kms:GetKeyPolicy", "kms:GetKeyRotationStatus", "kms:ListGrants", "kms:ListResourceTags", "kms:PutKeyPolicy",
    "kms:ReEncryptFrom", "kms:ReEncryptTo", "kms:RevokeGrant", "kms:ScheduleKeyDeletion", "kms:TagResource",
    "kms:UntagResource", "kms:UpdateKeyDescription",
]

PARAMETERS = {
    "MailSender": {
        "Type": "String",
        "Description": "From address of the portal's e-mail, e.g. no-reply@portal.example (plain address)",
        "AllowedPattern": "^[^@<>\\s]+@[^@<>\\s]+$",
    },
    "MailIdentity": {
        "Type": "String",
        "Description": "The verified SES identity that MailSender belongs to: its domain or the address itself",
        "MinLength": 3,
    },
    "PublicOrigin": {
        "Type": "String",
        "Description": "https://host the portal is served from (API Gateway custom domain): links in mails, "
                       "the CSRF origin check and the CORS rule of the import upload",
        "AllowedPattern": "^https://[A-Za-z0-9.-]+$",
    },
    "LogRetentionDays": {
        "Type": "Number",
        "Default": 365,
        "AllowedValues": [90, 180, 365, 731, 1827],
        "Description": "How long CloudWatch keeps the functions' logs",
    },
}


def _sub(text: str) -> dict:
    return {"Fn::Sub": text}


def _arn(logical_id: str) -> dict:
    return {"Fn::GetAtt": [logical_id, "Arn"]}


def chalice_config() -> dict:
    return json.loads((ROOT / ".chalice" / "config.json").read_text(encoding="utf-8"))


def table_prefix(stage: str) -> str:
    """The stage's table prefix from .chalice/config.json (the functions read the same variable)."""
    config = chalice_config()
    variables = {**config.get("environment_variables", {}),
                 **config["stages"][stage].get("environment_variables", {})}
    return variables.get("PORTAL_TABLE_PREFIX", f"portal-{stage}-")


def lambda_functions() -> list[str]:
    """The Chalice names of the app's functions: the API handler, every pure Lambda function and
    every scheduled one."""
    from app import app

    return [API_HANDLER, *(function.name for function in app.pure_lambda_functions), *scheduled_functions()]


def scheduled_functions() -> list[str]:
    """The functions a schedule starts (Chalice packages the schedule rule and its permission)."""
    from chalice.app import ScheduledEventConfig

    from app import app

    return [source.name for source in app.event_sources if isinstance(source, ScheduledEventConfig)]


def function_id(function: str) -> str:
    """The logical id Chalice gives a function in its template."""
    return "APIHandler" if function == API_HANDLER else to_cfn_resource_name(function)


def import_functions(functions: list[str]) -> list[str]:
    asynchronous = [name for name in functions if name != API_HANDLER and name not in scheduled_functions()]
    unknown = [name for name in asynchronous if IMPORT_FUNCTION_WORD not in name]
    if unknown:
        raise ValueError(f"no trigger is defined for Lambda function(s) {unknown}: wire them in infra/template.py")
    return asynchronous


# ---------------------------------------------------------------- tables


def table_id(model: Any) -> str:
    return to_cfn_resource_name(model.Meta.table) + "Table"


def _key_schema(keys: list[dict]) -> list[dict]:
    # CloudFormation wants the partition (HASH) key first.
    ordered = sorted(keys, key=lambda key: key["KeyType"] != "HASH")
    return [{"AttributeName": key["AttributeName"], "KeyType": key["KeyType"]} for key in ordered]


def _index(index: dict) -> dict:
    return {"IndexName": index["index_name"], "KeySchema": _key_schema(index["key_schema"]),
            "Projection": dict(index["projection"])}


def table(model: Any, prefix: str, protect: bool) -> dict:
    """One table, exactly as the model declares it: on-demand, PITR, encrypted, TTL when named."""
    schema = model._get_schema()
    definitions = {item["AttributeName"]: item["AttributeType"] for item in schema["attribute_definitions"]}
    for index in schema["global_secondary_indexes"] + schema["local_secondary_indexes"]:
        definitions.update({item["AttributeName"]: item["AttributeType"] for item in index["attribute_definitions"]})
    properties: dict[str, Any] = {
        "TableName": f"{prefix}{model.Meta.table}",
        "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": [{"AttributeName": name, "AttributeType": kind}
                                 for name, kind in sorted(definitions.items())],
        "KeySchema": _key_schema(schema["key_schema"]),
        "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
        "SSESpecification": {"SSEEnabled": True},
        "DeletionProtectionEnabled": protect,
    }
    if schema["global_secondary_indexes"]:
        properties["GlobalSecondaryIndexes"] = [_index(index) for index in schema["global_secondary_indexes"]]
    if schema["local_secondary_indexes"]:
        properties["LocalSecondaryIndexes"] = [_index(index) for index in schema["local_secondary_indexes"]]
    ttl_attribute = getattr(model.Meta, "ttl_attribute", None)
    if ttl_attribute:
        properties["TimeToLiveSpecification"] = {"AttributeName": ttl_attribute, "Enabled": True}
    # Accounts, authorizations and the audit trail must survive a stack deletion or replacement.
    return {"Type": "AWS::DynamoDB::Table", "DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain",
            "Properties": properties}


def index_arns(model: Any) -> list[dict]:
    schema = model._get_schema()
    names = [index["index_name"] for index in schema["global_secondary_indexes"] + schema["local_secondary_indexes"]]
    return [_sub(f"${{{table_id(model)}.Arn}}/index/{name}") for name in sorted(names)]


# ---------------------------------------------------------------- buckets

# The imports bucket has a computed name: its notification points at the import function, whose
# environment and role name the bucket, so a Ref would be a circular dependency.
def imports_bucket_name(prefix: str) -> dict:
    return _sub(f"{prefix}imports-${{AWS::AccountId}}-${{AWS::Region}}")


def imports_bucket_arn(prefix: str, objects: str = "") -> dict:
    return _sub(f"arn:${{AWS::Partition}}:s3:::{prefix}imports-${{AWS::AccountId}}-${{AWS::Region}}{objects}")


def bucket(expiry_days: int) -> dict:
    """A private bucket: public access blocked, SSE, owner-enforced, objects expire."""
    return {
        "Type": "AWS::S3::Bucket",
        "Properties": {
            "BucketEncryption": {"ServerSideEncryptionConfiguration": [
                {"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}, "BucketKeyEnabled": True}]},
            "PublicAccessBlockConfiguration": {"BlockPublicAcls": True, "BlockPublicPolicy": True,
                                               "IgnorePublicAcls": True, "RestrictPublicBuckets": True},
            "OwnershipControls": {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]},
            "LifecycleConfiguration": {"Rules": [{
                "Id": "expire", "Status": "Enabled", "ExpirationInDays": expiry_days,
                "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 1}}]},
        },
    }


def tls_only_policy(bucket_ref: dict, bucket_arn: dict) -> dict:
    """Refuse every request that does not use TLS (1.2 or later)."""
    objects = {"Fn::Join": ["", [bucket_arn, "/*"]]}
    return {
        "Type": "AWS::S3::BucketPolicy",
        "Properties": {
            "Bucket": bucket_ref,
            "PolicyDocument": {"Version": "2012-10-17", "Statement": [
                {"Sid": "TlsOnly", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
                 "Resource": [bucket_arn, objects], "Condition": {"Bool": {"aws:SecureTransport": "false"}}},
                {"Sid": "ModernTls", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
                 "Resource": [bucket_arn, objects], "Condition": {"NumericLessThan": {"s3:TlsVersion": "1.2"}}},
            ]},
        },
    }


def imports_bucket(prefix: str, importers: list[str]) -> dict:
    resource = bucket(IMPORTS_EXPIRY_DAYS)
    properties = resource["Properties"]
    properties["BucketName"] = imports_bucket_name(prefix)
    # The browser uploads the CSV straight to S3 with the presigned POST from the portal's pages.
    properties["CorsConfiguration"] = {"CorsRules": [{
        "AllowedMethods": ["POST"], "AllowedOrigins": [{"Ref": "PublicOrigin"}], "AllowedHeaders": ["*"],
        "MaxAge": 600}]}
    if importers:
        from chalicelib.storage.uploads import UPLOAD_PREFIX

        # Only uploads start processing: the error reports written beside them must not.
        properties["NotificationConfiguration"] = {"LambdaConfigurations": [
            {"Event": "s3:ObjectCreated:*", "Function": _arn(function_id(name)),
             "Filter": {"S3Key": {"Rules": [{"Name": "prefix", "Value": UPLOAD_PREFIX}]}}} for name in importers]}
        resource["DependsOn"] = [f"{function_id(name)}S3Permission" for name in importers]
    return resource


def s3_permission(function: str, prefix: str) -> dict:
    return {"Type": "AWS::Lambda::Permission", "Properties": {
        "Action": "lambda:InvokeFunction", "FunctionName": _arn(function_id(function)), "Principal": "s3.amazonaws.com",
        "SourceAccount": {"Ref": "AWS::AccountId"}, "SourceArn": imports_bucket_arn(prefix)}}


# ---------------------------------------------------------------- key material


def key() -> dict:
    """Customer-managed KMS key that encrypts the key-material secret; rotated yearly by KMS."""
    return {
        "Type": "AWS::KMS::Key",
        "DeletionPolicy": "Retain",
        "UpdateReplacePolicy": "Retain",
        "Properties": {
            "Description": "Digitaal Portaal: encrypts the TOTP-secret and backup-code key material",
            "EnableKeyRotation": True,
            "KeyPolicy": {"Version": "2012-10-17", "Statement": [{
                # Lets IAM policies of this account govern the key (the functions' role gets Decrypt only).
                "Sid": "AccountGovernsTheKey", "Effect": "Allow",
                "Principal": {"AWS": _sub("arn:${AWS::Partition}:iam::${AWS::AccountId}:root")},
                "Action": KEY_ADMIN_ACTIONS, "Resource": "*"}]},
        },
    }


def signing_keys_secret() -> dict:
    """The OpenID Connect provider's signing keys (private JWKs): created empty; the logout runner adds
    the first key within a minute of the first deployment (`python -m chalicelib.manage
    rotate-signing-key` rotates them)."""
    return {
        "Type": "AWS::SecretsManager::Secret",
        "DeletionPolicy": "Retain",
        "UpdateReplacePolicy": "Retain",
        "Properties": {
            "Description": "Digitaal Portaal: OpenID Connect signing keys (RS256 JWKs; rotate-signing-key)",
            "KmsKeyId": {"Ref": "PortalKey"},
            "SecretString": "{}",
        },
    }


def secret() -> dict:
    """The key material: 64 random characters, from which the service derives its two keys (HKDF)."""
    from chalicelib.storage.keys import KEY_MATERIAL

    return {
        "Type": "AWS::SecretsManager::Secret",
        # Losing it makes every stored TOTP secret unreadable: keep it whatever happens to the stack.
        "DeletionPolicy": "Retain",
        "UpdateReplacePolicy": "Retain",
        "Properties": {
            "Description": "Digitaal Portaal: key material for TOTP-secret encryption and backup-code HMAC",
            "KmsKeyId": {"Ref": "PortalKey"},
            "GenerateSecretString": {"SecretStringTemplate": "{}", "GenerateStringKey": KEY_MATERIAL,
                                     "PasswordLength": 64, "ExcludePunctuation": True},
        },
    }


# ---------------------------------------------------------------- functions


def log_group_name(function: str) -> dict:
    return _sub(f"/aws/lambda/${{AWS::StackName}}-{function}")


def log_group(function: str) -> dict:
    return {"Type": "AWS::Logs::LogGroup", "DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain",
            "Properties": {"LogGroupName": log_group_name(function),
                           "RetentionInDays": {"Ref": "LogRetentionDays"}}}


def environment(prefix: str) -> dict:
    """The variables that point the service at this stack's resources (settings.py reads them)."""
    return {
        "PORTAL_TABLE_PREFIX": prefix,
        "PORTAL_BACKUP_CODES_BUCKET": {"Ref": "BackupCodesBucket"},
        "PORTAL_IMPORTS_BUCKET": imports_bucket_name(prefix),
        "PORTAL_SECRETS_ARN": {"Ref": "KeyMaterialSecret"},
        "PORTAL_SIGNING_KEYS_SECRET": {"Ref": "SigningKeysSecret"},
        "PORTAL_MAIL_SENDER": {"Ref": "MailSender"},
        "PORTAL_PUBLIC_ORIGIN": {"Ref": "PublicOrigin"},
    }


def table_actions(function: str, models: list[Any]) -> dict[Any, list[str]]:
    """The tables a function may use (by model) and the actions on each."""
    if function == API_HANDLER:
        return {model: AUDIT_ACTIONS if model.Meta.table == AUDIT_TABLE
                else ITEM_ACTIONS + [SCAN] if model.Meta.table in API_SCANNED_TABLES else ITEM_ACTIONS
                for model in models}
    actions = SCHEDULED_TABLE_ACTIONS[function] if function in scheduled_functions() else IMPORT_TABLE_ACTIONS
    return {model: actions[model.Meta.table] for model in models if model.Meta.table in actions}


def object_resources(function: str, prefix: str) -> dict[str, list[dict]]:
    """Per object action, the keys a function may use (objects only: the code never lists a bucket).
    Presigned URLs act with the role of the function that signs them: the API's for the browser's GET
    of a backup-code PDF or error report and its POST of an import upload. The import function reads
    the upload, keeps its own copy of it and writes the report."""
    from chalicelib.storage.uploads import REPORT_PREFIX, SOURCE_PREFIX, UPLOAD_PREFIX

    def imports(key_prefix: str) -> dict:
        return imports_bucket_arn(prefix, f"/{key_prefix}*")

    if function in scheduled_functions():
        return {}
    if function == API_HANDLER:
        pdfs = _sub("${BackupCodesBucket.Arn}/*")
        return {"s3:DeleteObject": [pdfs], "s3:GetObject": [pdfs, imports(REPORT_PREFIX)],
                "s3:PutObject": [pdfs, imports(UPLOAD_PREFIX)]}
    return {"s3:GetObject": [imports(UPLOAD_PREFIX), imports(SOURCE_PREFIX)],
            "s3:PutObject": [imports(SOURCE_PREFIX), imports(REPORT_PREFIX)]}


def _sid(action: str, suffix: str = "") -> str:
    return action.split(":")[1] + suffix


def resource_policy(function: str, models: list[Any], prefix: str) -> dict:
    """Least privilege: the actions the function's code uses, on exactly this stack's resources it uses."""
    tables = table_actions(function, models)
    statements: list[dict] = [
        {"Sid": "Table" + to_cfn_resource_name(model.Meta.table), "Effect": "Allow", "Action": actions,
         "Resource": _arn(table_id(model))} for model, actions in tables.items()]
    indexes = [arn for model, actions in tables.items() if QUERY in actions for arn in index_arns(model)]
    if indexes:
        statements.append({"Sid": "Indexes", "Effect": "Allow", "Action": INDEX_ACTIONS, "Resource": indexes})
    statements += [{"Sid": _sid(action, "Files"), "Effect": "Allow", "Action": [action], "Resource": resources}
                   for action, resources in object_resources(function, prefix).items()]
    if function in SIGNING_FUNCTIONS:
        statements.append({"Sid": "SigningKeys", "Effect": "Allow", "Action": ["secretsmanager:GetSecretValue"],
                           "Resource": {"Ref": "SigningKeysSecret"}})
    if function == FIRST_KEY_FUNCTION:
        statements += [
            {"Sid": "SigningKeysFirstKey", "Effect": "Allow", "Action": ["secretsmanager:PutSecretValue"],
             "Resource": {"Ref": "SigningKeysSecret"}},
            {"Sid": "SigningKeysEncryption", "Effect": "Allow", "Action": ["kms:GenerateDataKey"],
             "Resource": _arn("PortalKey"),
             "Condition": {"StringEquals": {"kms:ViaService": _sub("secretsmanager.${AWS::Region}.amazonaws.com")}}},
        ]
    statements += [
        {"Sid": "KeyMaterial", "Effect": "Allow", "Action": ["secretsmanager:GetSecretValue"],
         "Resource": {"Ref": "KeyMaterialSecret"}},
        {"Sid": "KeyMaterialDecryption", "Effect": "Allow", "Action": ["kms:Decrypt"], "Resource": _arn("PortalKey"),
         "Condition": {"StringEquals": {"kms:ViaService": _sub("secretsmanager.${AWS::Region}.amazonaws.com")}}},
        {"Sid": "Mail", "Effect": "Allow", "Action": ["ses:SendEmail"],
         "Resource": _sub("arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}:identity/${MailIdentity}"),
         "Condition": {"StringEquals": {"ses:FromAddress": {"Ref": "MailSender"}}}},
    ]
    return {"Version": "2012-10-17", "Statement": statements}


def role_policies(function: str, models: list[Any], prefix: str) -> list[dict]:
    """One role per function (Chalice makes them), each with its own log group and resources."""
    logs = {"Version": "2012-10-17", "Statement": [{
        "Sid": "OwnLogGroup", "Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
        "Resource": _sub(f"arn:${{AWS::Partition}}:logs:${{AWS::Region}}:${{AWS::AccountId}}:log-group:"
                         f"/aws/lambda/${{AWS::StackName}}-{function}:*")}]}
    return [{"PolicyName": "logs", "PolicyDocument": logs},
            {"PolicyName": "portal-resources", "PolicyDocument": resource_policy(function, models, prefix)}]


def function_overrides(function: str, prefix: str) -> dict:
    properties: dict[str, Any] = {
        "FunctionName": _sub(f"${{AWS::StackName}}-{function}"),
        "Environment": {"Variables": environment(prefix)},
    }
    if function in scheduled_functions():
        properties["Timeout"] = SCHEDULED_FUNCTION_TIMEOUT
    elif function != API_HANDLER:
        properties.update({"Timeout": ASYNC_FUNCTION_TIMEOUT, "MemorySize": ASYNC_FUNCTION_MEMORY})
    return {"DependsOn": [f"{function_id(function)}LogGroup"], "Properties": properties}


# ---------------------------------------------------------------- API Gateway's own answers

# API Gateway answers some requests without calling the function: a path no route has ("Missing
# Authentication Token", 403), throttling, its own faults. Those answers get the contract's envelope
# and the security headers too (the local stage's gateway does the same, infra/chalice_local.py).
GATEWAY_RESPONSES = {
    "MISSING_AUTHENTICATION_TOKEN": ("404", "not_found"),
    "THROTTLED": ("429", "too_many_requests"),
    "DEFAULT_4XX": (None, "invalid_request"),
    "DEFAULT_5XX": ("503", "service_unavailable"),
}


def gateway_responses() -> dict[str, Any]:
    from chalicelib.i18n import t

    # A gateway response header is a static value in single quotes, so the CSP (whose sources are
    # quoted) cannot be given here; a JSON body under nosniff and X-Frame-Options DENY renders nothing.
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer", "X-Frame-Options": "DENY",
        "Cache-Control": "no-store", "Strict-Transport-Security": "max-age=63072000; includeSubDomains",
    }
    resources: dict[str, Any] = {}
    for response_type, (status, code) in GATEWAY_RESPONSES.items():
        body = json.dumps({"error": {"code": code, "message": t(f"error.{code}", "nl")}}, ensure_ascii=False)
        properties: dict[str, Any] = {
            "RestApiId": {"Ref": "RestAPI"},
            "ResponseType": response_type,
            "ResponseParameters": {f"gatewayresponse.header.{name}": f"'{value}'" for name, value in headers.items()},
            "ResponseTemplates": {"application/json": body},
        }
        if status:
            properties["StatusCode"] = status
        resources[f"GatewayResponse{to_cfn_resource_name(response_type.lower())}"] = {
            "Type": "AWS::ApiGateway::GatewayResponse", "Properties": properties}
    return resources


def catch_all_route() -> dict[str, Any]:
    """A greedy `/{proxy+}` resource, merged into chalice's own API definition: API Gateway then hands a
    path no route has to the function (a more specific resource always wins), which answers it with the
    404 page, or the JSON envelope under /api/ (api/http.py CATCH_ALL_RESOURCE), instead of the gateway's
    JSON "Missing Authentication Token". Chalice itself has no greedy routes, hence the merge."""
    integration = {
        "type": "aws_proxy",
        "httpMethod": "POST",
        "uri": _sub("arn:${AWS::Partition}:apigateway:${AWS::Region}:lambda:path/2015-03-31"
                    "/functions/${APIHandler.Arn}/invocations"),
        "passthroughBehavior": "when_no_match",
        "contentHandling": "CONVERT_TO_TEXT",
        "responses": {"default": {"statusCode": "200"}},
    }
    operation = {
        "consumes": ["application/json"], "produces": ["application/json"],
        "parameters": [{"name": "proxy", "in": "path", "required": True, "type": "string"}],
        "responses": {"200": {"description": "200 response", "schema": {"$ref": "#/definitions/Empty"}}},
        "x-amazon-apigateway-integration": integration,
    }
    return {"Properties": {"DefinitionBody": {"paths": {"/{proxy+}": {"x-amazon-apigateway-any-method": operation}}}}}


# ---------------------------------------------------------------- the template


def build(stage: str = "prod", functions: list[str] | None = None) -> dict:
    """The merge template for one stage."""
    from chalicelib.storage.tables import models as table_models

    functions = functions if functions is not None else lambda_functions()
    importers = import_functions(functions)
    prefix = table_prefix(stage)
    models = table_models()
    resources: dict[str, Any] = {table_id(model): table(model, prefix, protect=stage == "prod") for model in models}
    resources.update({
        "BackupCodesBucket": bucket(BACKUP_CODES_EXPIRY_DAYS),
        "BackupCodesBucketPolicy": tls_only_policy({"Ref": "BackupCodesBucket"}, _arn("BackupCodesBucket")),
        "ImportsBucket": imports_bucket(prefix, importers),
        "ImportsBucketPolicy": tls_only_policy({"Ref": "ImportsBucket"}, imports_bucket_arn(prefix)),
        "PortalKey": key(),
        "PortalKeyAlias": {"Type": "AWS::KMS::Alias", "Properties": {
            "AliasName": _sub("alias/${AWS::StackName}-key-material"), "TargetKeyId": {"Ref": "PortalKey"}}},
        "KeyMaterialSecret": secret(),
        "SigningKeysSecret": signing_keys_secret(),
    })
    if API_HANDLER in functions:
        resources.update(gateway_responses())
        resources["RestAPI"] = catch_all_route()
    for function in functions:
        logical = function_id(function)
        resources[logical] = function_overrides(function, prefix)
        resources[f"{logical}LogGroup"] = log_group(function)
        resources[to_cfn_resource_name(f"{function}_role")] = {
            "Properties": {"Policies": role_policies(function, models, prefix)}}
    for function in importers:
        resources[f"{function_id(function)}S3Permission"] = s3_permission(function, prefix)
    return {
        "Parameters": PARAMETERS,
        "Resources": resources,
        "Outputs": {
            "TablePrefix": {"Value": prefix},
            "BackupCodesBucketName": {"Value": {"Ref": "BackupCodesBucket"}},
            "ImportsBucketName": {"Value": imports_bucket_name(prefix)},
            "KeyMaterialSecretArn": {"Value": {"Ref": "KeyMaterialSecret"}},
            "SigningKeysSecretArn": {"Value": {"Ref": "SigningKeysSecret"}},
        },
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.template")
    parser.add_argument("--stage", default="prod")
    args = parser.parse_args(argv)
    json.dump(build(args.stage), sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
