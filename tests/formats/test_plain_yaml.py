"""The plain block YAML reader gives what PyYAML gives, or nothing: never another reading."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sidelines.formats.event_loader import dump_event, load_event
from sidelines.formats.plain_yaml import NotPlain, read_plain_yaml
from tests.formats.mutations import mutated

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

# PyYAML's own safe resolver (YAML 1.1: ``10:30`` is a number, ``2016-11-19`` a date), so that
# the reader is held to whatever rules its caller types scalars by.
TYPED_STARTS = frozenset(start for start in yaml.SafeLoader.yaml_implicit_resolvers if start)


def resolve(text: str) -> object:
    loader = yaml.SafeLoader("")
    node = yaml.ScalarNode(loader.resolve(yaml.ScalarNode, text, (True, False)), text)
    try:
        return loader.construct_object(node)
    except yaml.YAMLError:
        raise NotPlain from None
    finally:
        loader.dispose()


def plain(text: str) -> object | None:
    return read_plain_yaml(text, resolve, TYPED_STARTS)


def pyyaml(text: str) -> object:
    return yaml.load(text, Loader=yaml.SafeLoader)


@pytest.mark.parametrize(
    "text",
    [
        "id: x\nname: A name  # a comment\n\n# a line of comment\ncount: 3\n",
        "days:\n- 2030-06-03\n- '2030-06-04'\nnone:\nafter: 1\n",  # indentless sequence, null
        "items:\n  - id: a\n    list:\n    - 1\n    - -2.5\n  - id: b\n    flag: true\n",
        "a:\n  b:\n    c: \"d e\"\n  f: 'it''s'\ng: [x, 2030-06-03 , 5, a b]\nh: []\ni: {}\n",
        "- a: 1\n  b:\n- c\n- 'd'\n",
        "text: C# and F#, a:b, [not flow], x-y\nempty: ''\nnegative: -5\ntilde: ~\n",
        "\r\n".join(["id: x", "days:", "- 2030-06-03", ""]),
    ],
)
def test_plain_block_yaml_reads_as_pyyaml_reads_it(text: str) -> None:
    data = plain(text)

    assert data is not None
    assert data == pyyaml(text)


@pytest.mark.parametrize(
    "text",
    [
        "a: &x 1\nb: *x\n",  # anchors and aliases
        "a: !!str 1\n",  # a tag
        "a: long\n  text\n",  # a scalar over two lines
        "a: |\n  text\n",  # a block scalar
        'a: "tab\\there"\n',  # an escape
        "a: {b: 1}\n",  # a flow mapping
        "a: [x?y]\n",  # a question mark ends a plain scalar in a flow
        "a:\n\t- 1\n",  # a tab
        "a: 1\na: 2\n",  # a key given twice
        "true: 1\n",  # a key that is not text
        "a: <<\n",  # a scalar its resolver will not type
        "just text\n",  # a scalar document
        "a: 1\n- b\n",  # a syntax error
        "a: 1\n  b: 2\n",  # a syntax error
        "a: b: c\n",  # a syntax error
        "---\na: 1\n",  # a document marker
        "a: \x07\n",  # a character YAML forbids
        "a: b\rc: d\n",  # another line break
        "",
    ],
)
def test_anything_else_is_left_to_pyyaml(text: str) -> None:
    assert plain(text) is None


def block_text() -> str:
    """The smaller example event written as ``yaml.safe_dump`` writes large events."""
    data = dump_event(load_event(EXAMPLES / "apec-2016-lima.yaml"))
    text: str = yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
    return text


def test_a_dumped_event_is_plain_block_yaml() -> None:
    text = block_text()

    assert plain(text) == pyyaml(text)


@pytest.mark.slow
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=mutated(block_text()))
def test_a_broken_block_text_reads_as_pyyaml_reads_it_or_not_at_all(text: str) -> None:
    data = plain(text)
    if data is None:
        return
    assert data == pyyaml(text)


# Short texts of lines made of YAML's significant characters: where the reader's rules for
# scalars, keys and indents would part from PyYAML's, if anywhere.
SIGNIFICANT = st.text(
    alphabet=st.sampled_from(list(":-[]{}|,;%=\"'#&*!>\\ 0123456789.eE+ab~<@?`")), max_size=8
)
LINES = st.tuples(
    st.sampled_from(["", " ", "  ", "    "]),
    st.sampled_from(["", "- ", "-  "]),
    st.sampled_from(["", "a: ", "b:", "true: ", "n: ", "a:  "]),
    # A value, or a flow list of values.
    SIGNIFICANT | st.lists(SIGNIFICANT, max_size=4).map(lambda items: f"[{','.join(items)}]"),
)


@pytest.mark.slow
@settings(max_examples=500, deadline=None)
@given(lines=st.lists(LINES, min_size=1, max_size=6))
def test_short_texts_of_significant_characters_read_as_pyyaml_reads_them_or_not_at_all(
    lines: list[tuple[str, str, str, str]],
) -> None:
    text = "".join("".join(line) + "\n" for line in lines)
    data = plain(text)
    if data is None:
        return
    assert data == pyyaml(text)
