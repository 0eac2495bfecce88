"""Reading a kernel's answer about its Livy sessions; real kernels are asked in the integration tests."""

import pytest

from jupyterlab_livy_capacity.kernels import SESSIONS_EXPRESSION, parse_reply


def reply(status="ok", text=None, **extra):
    result = {"status": status, **extra}
    if text is not None:
        result["data"] = {"text/plain": text}
    return {"status": "ok", "user_expressions": {"livy": result}}


def test_pairs_from_a_sparkmagic_kernel():
    content = reply(text=repr('[["http://127.0.0.1:8998/", 3], ["http://other:8998", 0]]'))
    assert parse_reply(content) == [("http://127.0.0.1:8998", 3), ("http://other:8998", 0)]


def test_kernel_without_sessions():
    assert parse_reply(reply(text=repr("[]"))) == []


@pytest.mark.parametrize("content, words", [
    (reply("error", ename="AttributeError", evalue="'KernelMagics' object has no attribute 'spark_controller'"),
     ["AttributeError", "spark_controller"]),
    ({"status": "ok"}, ["no user_expressions"]),
])
def test_changed_sparkmagic_or_no_answer_is_an_error(content, words):
    with pytest.raises(ValueError) as info:
        parse_reply(content)
    for word in words:
        assert word in str(info.value)


def test_expression_is_a_single_python_expression():
    compile(SESSIONS_EXPRESSION, "<user_expressions>", "eval")
