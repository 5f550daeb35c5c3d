"""One source of truth for table schemas: what the pynamodb models declare, what the deployment
template creates and what the local stage creates are the same keys, indexes and TTL attribute."""

from __future__ import annotations

import boto3
import pytest
from pynamodb.indexes import Index

from chalicelib.settings import get_settings
from chalicelib.storage.tables import models
from infra import template

MODELS = models()


def declared_keys(attributes: dict) -> dict[str, str]:
    """{attribute: HASH|RANGE} as the model (or index) class declares them."""
    return {attribute.attr_name: "HASH" if attribute.is_hash_key else "RANGE"
            for attribute in attributes.values() if attribute.is_hash_key or attribute.is_range_key}


def declared_indexes(model) -> dict[str, dict[str, str]]:
    indexes = [value for value in vars(model).values() if isinstance(value, Index)]
    return {index.Meta.index_name: declared_keys(index.Meta.attributes) for index in indexes}


def keys_of(key_schema: list[dict]) -> dict[str, str]:
    return {key["AttributeName"]: key["KeyType"] for key in key_schema}


@pytest.fixture(scope="module")
def tables() -> dict[str, dict]:
    resources = template.build("prod", functions=[template.API_HANDLER])["Resources"]
    return {resource["Properties"]["TableName"]: resource["Properties"]
            for resource in resources.values() if resource.get("Type") == "AWS::DynamoDB::Table"}


def test_every_model_has_a_table_and_every_table_a_model(tables):
    assert set(tables) == {f"portal-prod-{model.Meta.table}" for model in MODELS}


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model.Meta.table)
def test_template_table_matches_the_model(tables, model):
    table = tables[f"portal-prod-{model.Meta.table}"]
    assert keys_of(table["KeySchema"]) == declared_keys(model.get_attributes())
    assert table["KeySchema"][0]["KeyType"] == "HASH"
    indexes = {index["IndexName"]: keys_of(index["KeySchema"]) for index in table.get("GlobalSecondaryIndexes", [])}
    assert indexes == declared_indexes(model)
    ttl = model.Meta.ttl_attribute
    assert table.get("TimeToLiveSpecification") == ({"AttributeName": ttl, "Enabled": True} if ttl else None)
    defined = {item["AttributeName"] for item in table["AttributeDefinitions"]}
    used = set(keys_of(table["KeySchema"])) | {name for keys in indexes.values() for name in keys}
    assert defined == used  # CloudFormation refuses definitions that no key uses


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model.Meta.table)
def test_local_stage_creates_the_same_table_as_the_template(aws, model):
    """The local set-up (infra/local.py provision) and the template agree, checked against what DynamoDB reports."""
    client = boto3.client("dynamodb", region_name="us-east-1")
    described = client.describe_table(TableName=model.Meta.table_name)["Table"]
    expected = template.table(model, get_settings().table_prefix, protect=False)["Properties"]
    assert described["TableName"] == expected["TableName"]
    assert keys_of(described["KeySchema"]) == keys_of(expected["KeySchema"])
    assert described["BillingModeSummary"]["BillingMode"] == expected["BillingMode"]
    local_indexes = {index["IndexName"]: keys_of(index["KeySchema"])
                     for index in described.get("GlobalSecondaryIndexes", [])}
    assert local_indexes == {index["IndexName"]: keys_of(index["KeySchema"])
                             for index in expected.get("GlobalSecondaryIndexes", [])}
    ttl = client.describe_time_to_live(TableName=model.Meta.table_name)["TimeToLiveDescription"]
    if "TimeToLiveSpecification" in expected:
        assert ttl["TimeToLiveStatus"] == "ENABLED"
        assert ttl["AttributeName"] == expected["TimeToLiveSpecification"]["AttributeName"]
    else:
        assert ttl["TimeToLiveStatus"] == "DISABLED"
