import json

import jsonschema

from personageo.schema import SCHEMA_FILE, json_schema, json_schema_text
from tests.schema.tiny_run import tiny_run, tiny_run_dict


def test_checked_in_json_schema_is_current():
    assert SCHEMA_FILE.exists(), "schemas/run_result.schema.json is missing: run `make regen`"
    assert SCHEMA_FILE.read_text(encoding="utf-8") == json_schema_text(), (
        "schemas/run_result.schema.json is stale: run `make regen`")


def test_json_schema_accepts_a_valid_file_and_rejects_extra_keys():
    schema = json_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    doc = tiny_run_dict()
    jsonschema.validate(doc, schema)
    doc["cells"][0]["surprise"] = 1
    try:
        jsonschema.validate(doc, schema)
    except jsonschema.ValidationError as exc:
        assert "surprise" in exc.message
    else:
        raise AssertionError("extra key was accepted")


def test_model_round_trip_is_lossless():
    run = tiny_run()
    again = type(run).model_validate(json.loads(run.model_dump_json()))
    assert again == run


def test_field_docstrings_become_descriptions():
    schema = json_schema()
    desc = schema["$defs"]["PermutationTest"]["properties"]["b"]["description"]
    assert "Exceedance count" in desc
