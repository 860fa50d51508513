import re

import pytest

from tinydeploy.compiler.cnames import c_comment, c_string

pytestmark = pytest.mark.unit

NASTY = ["a*/b", "x\ny", "end\\", "??/", "/*open", "tab\there", "é\x00\x7f", '"q"']


@pytest.mark.parametrize("name", NASTY)
def test_comment_text_cannot_close_comment_or_splice_lines(name):
    s = c_comment(name)
    assert "*/" not in s and "/*" not in s
    assert "\n" not in s and "\\" not in s and "??" not in s
    assert all(32 <= ord(c) < 127 for c in s)


@pytest.mark.parametrize("name", NASTY)
def test_string_literal_body_is_inert(name):
    s = c_string(name)
    assert re.fullmatch(r"[A-Za-z0-9_.:/ +*-]*", s)
    assert '"' not in s and "\\" not in s and "?" not in s
