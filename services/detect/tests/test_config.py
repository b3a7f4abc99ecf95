"""Reading the contract and the parameters from the environment."""

import pytest

from detect.contract import read_contract
from detect.errors import BadInput
from detect.params import read_params

ENV = {
    "FRAMEGATE_INPUT_BUCKET": "raw",
    "FRAMEGATE_INPUT_KEYS": '["gate-1/a.jpg"]',
    "FRAMEGATE_OUTPUT_BUCKET": "processed",
    "FRAMEGATE_OUTPUT_KEYS": '["p/detect/gate-1/a.jpg"]',
    "MINIO_ENDPOINT": "http://minio.framegate:9000",
    "MINIO_ACCESS_KEY": "ak",
    "MINIO_SECRET_KEY": "sk",
}


def test_contract_reads_keys_and_endpoint():
    c = read_contract(ENV)
    assert c.input_keys == ["gate-1/a.jpg"]
    assert (c.minio.host, c.minio.secure) == ("minio.framegate:9000", False)


def test_contract_lists_every_problem():
    env = {**ENV, "FRAMEGATE_OUTPUT_KEYS": '["x", "y"]', "MINIO_SECRET_KEY": ""}
    with pytest.raises(BadInput) as e:
        read_contract(env)
    lines = str(e.value).splitlines()
    assert any(line.startswith("FRAMEGATE_OUTPUT_KEYS: has 2 keys but FRAMEGATE_INPUT_KEYS has 1") for line in lines)
    assert any(line.startswith("MINIO_SECRET_KEY: not set: it comes from the Secret framegate-minio") for line in lines)


def test_params_defaults_and_classes():
    p = read_params({})
    assert (p.model, p.models_bucket, p.confidence, p.classes, p.input_size) == ("", "models", 0.5, ("person",), 640)
    assert read_params({"FRAMEGATE_PARAM_CLASSES": "Person, car,2"}).classes == ("person", "car", "2")
    assert read_params({"FRAMEGATE_PARAM_CLASSES": "*"}).classes == ()


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("CONFIDENCE", "high", "FRAMEGATE_PARAM_CONFIDENCE: 'high' is not a number"),
        ("INPUTSIZE", "64.5", "FRAMEGATE_PARAM_INPUTSIZE: '64.5' must be a whole number"),
        ("NMS", "2", "FRAMEGATE_PARAM_NMS: 2 is out of range"),
        ("MODEL", "../etc/passwd", "FRAMEGATE_PARAM_MODEL: '../etc/passwd' must be an object key"),
    ],
)
def test_bad_params_say_which_and_why(name, value, message):
    with pytest.raises(BadInput, match=message.replace("(", r"\(").replace(".", r"\.")):
        read_params({f"FRAMEGATE_PARAM_{name}": value})
