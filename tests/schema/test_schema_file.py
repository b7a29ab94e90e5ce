import json

import jsonschema

from personageo.schema import json_schema
from tests.builders import as_run, tiny


def test_json_schema_accepts_a_valid_file_and_rejects_extra_keys():
    schema = json_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    doc = tiny()
    jsonschema.validate(doc, schema)
    doc["cells"][0]["surprise"] = 1
    try:
        jsonschema.validate(doc, schema)
    except jsonschema.ValidationError as exc:
        assert "surprise" in exc.message
    else:
        raise AssertionError("extra key was accepted")


def test_model_round_trip_is_lossless():
    run = as_run(tiny())
    again = type(run).model_validate(json.loads(run.model_dump_json()))
    assert again == run


def test_field_docstrings_become_descriptions():
    schema = json_schema()
    desc = schema["$defs"]["PermutationTest"]["properties"]["b"]["description"]
    assert "Exceedance count" in desc


def _verdict_of_json_schema(doc) -> bool:
    try:
        jsonschema.validate(doc, json_schema())
    except jsonschema.ValidationError:
        return False
    return True


def test_number_as_string_is_refused_like_the_json_schema_does(tmp_path):
    import pytest

    from personageo.errors import InputError
    from personageo.schema import load_run_result

    for where, value in ((("measurements", 0, "layer"), "3"), (("measurements", 0, "value"), "0.8"),
                         (("experiment", "issue"), "7"), (("design", "layers", 0), "1")):
        doc = tiny()
        target = doc
        for key in where[:-1]:
            target = target[key]
        target[where[-1]] = value
        assert not _verdict_of_json_schema(doc)
        path = tmp_path / "r.json"
        path.write_text(json.dumps(doc))
        with pytest.raises(InputError) as err:
            load_run_result(path, semantic=False)
        assert "#/" + "/".join(map(str, where)) in str(err.value)


def test_schema_key_for_editors_is_accepted_and_not_written_back(tmp_path):
    from personageo.schema import load_run_result, run_result_json

    doc = tiny()
    doc["$schema"] = "../schemas/run_result.schema.json"
    assert _verdict_of_json_schema(doc)
    path = tmp_path / "r.json"
    path.write_text(json.dumps(doc))
    run = load_run_result(path)
    assert run.schema_ref == "../schemas/run_result.schema.json"
    assert run.model_dump() == as_run(tiny()).model_dump()
    assert "$schema" not in json.loads(run_result_json(run))
    doc["$schema"] = 3
    assert not _verdict_of_json_schema(doc)


def test_block_index_keys_are_read_from_json_strings_even_in_strict_mode(tmp_path):
    import pytest

    from personageo.errors import InputError
    from personageo.schema import load_run_result

    doc = tiny()
    doc["weight_norms"] = [{"checkpoint": "full-s1", "global_l2": 2.5,
                            "per_block": {"0": 1.5, "1": 2.0}}]
    path = tmp_path / "r.json"
    path.write_text(json.dumps(doc))
    assert load_run_result(path).weight_norms[0].per_block == {0: 1.5, 1: 2.0}
    doc["weight_norms"][0]["per_block"] = {"first": 1.5}
    path.write_text(json.dumps(doc))
    with pytest.raises(InputError, match="per_block"):
        load_run_result(path)
