import pytest

from pqa_tui.config import Config, ConfigError, config_from_dict, load_config


def test_missing_default_config_falls_back_to_defaults(tmp_path):
    assert load_config(tmp_path / "pqa.toml") == Config()


def test_missing_explicit_config_is_an_error(tmp_path):
    with pytest.raises(ConfigError, match="file not found"):
        load_config(tmp_path / "nope.toml", required=True)


def test_bad_toml_names_file(tmp_path):
    p = tmp_path / "pqa.toml"
    p.write_text("scoring = [\n")
    with pytest.raises(ConfigError, match=r"pqa\.toml.*not valid TOML"):
        load_config(p)


@pytest.mark.parametrize(
    "data, key, expected",
    [
        ({"scoring": {"threshold": "high"}}, "scoring.threshold", "expected a number"),
        ({"scoring": {"thresold": 3}}, "scoring.thresold", "unknown setting"),
        ({"scoring": {"half_life_days": -1}}, "scoring.half_life_days", "above 0"),
        ({"triage": {"team": "ann"}}, "triage.team", "expected a list of a string"),
        ({"events": {"value": [1]}}, "events.value[0]", "expected a string"),
        ({"bogus": 1}, "bogus", "unknown setting"),
    ],
)
def test_errors_name_file_key_and_expectation(tmp_path, data, key, expected):
    with pytest.raises(ConfigError) as info:
        config_from_dict(data, tmp_path / "pqa.toml")
    assert info.value.key == key
    assert "pqa.toml" in str(info.value)
    assert expected in str(info.value)


def test_values_are_typed(tmp_path):
    c = config_from_dict({"scoring": {"threshold": 3}, "triage": {"routing": [{"owner": "ann"}]}})
    assert c.scoring.threshold == 3.0 and isinstance(c.scoring.threshold, float)
    assert c.triage.routing[0].owner == "ann"
