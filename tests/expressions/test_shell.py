"""Values substituted into a shell command string reach `/bin/sh` as one word of data.

The property tests run the real shell (`/bin/sh`, and bash when installed: it is /bin/sh on
some systems) on the rendered command: `printf %s` must print exactly the value, `set --` must
count exactly one word, and no hostile value may ever run a command of its own.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from harmonia.expressions import (
    ExpressionError,
    ReferenceMissing,
    ReferenceUnusable,
    compile_condition,
    compile_shell_template,
    compile_template,
)
from harmonia.expressions.quoting import ShellContext, quote

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX shells")

SHELLS = ["/bin/sh"] + ([bash] if (bash := shutil.which("bash")) else [])

HOSTILE: list[Any] = [
    "1; touch FILE",
    "$(touch FILE)",
    "`touch FILE`",
    "'; touch FILE; '",
    '"; touch FILE; "',
    "\\",
    "\\'",
    "'",
    '"',
    "",
    " ",
    "a b\tc",
    "line1\nline2",
    "\ntouch FILE\n",
    "*",
    "~",
    "{a,b}",
    "$HOME",
    "${HOME}",
    "-n",
    "!",
    "#x",
    "a'b\"c$d`e\\f",
    "\\\n",
    "$'\\x41'",
    "é ✓ 中",
]

# Text a process can be given: no NUL (argv is C strings) and no lone surrogates.
VALUES = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\0"))


def sh(command: str, shell: str = "/bin/sh", cwd: Path | None = None) -> str:
    done = subprocess.run(
        [shell, "-c", command], capture_output=True, cwd=cwd, timeout=10, check=False
    )
    assert done.returncode == 0, (command, done.stderr)
    return done.stdout.decode("utf-8", errors="surrogateescape")


def render(template: str, **values: Any) -> Any:
    return compile_shell_template(template).render({"input": values})


# ---- the quoting itself -----------------------------------------------------------------------


@pytest.mark.parametrize("shell", SHELLS)
@pytest.mark.parametrize("value", HOSTILE)
def test_each_hostile_value_is_one_word_in_each_context(
    shell: str, value: str, tmp_path: Path
) -> None:
    commands = {
        value: f"printf %s {quote(value, ShellContext.WORD)}",
        f"<{value}>": f"printf %s '<{quote(value, ShellContext.SINGLE)}>'",
        f"[{value}]": f'printf %s "[{quote(value, ShellContext.DOUBLE)}]"',
    }
    for expected, command in commands.items():
        assert sh(command, shell, tmp_path) == expected
    assert sh(f"set -- {quote(value, ShellContext.WORD)}; printf %s $#", shell) == "1"
    assert not (tmp_path / "FILE").exists()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(value=VALUES)
def test_property_the_shell_sees_exactly_the_value(value: str) -> None:
    command = render(
        "printf '%s|' \"$#\"; printf %s ${input.v} '<${input.v}>' \"[${input.v}]\"", v=value
    )
    # printf reuses its format: each argument is printed as is; the first line counts them.
    for shell in SHELLS:
        assert sh(f"set -- x; {command}", shell) == f"1|{value}<{value}>[{value}]"
        assert sh(render("set -- ${input.v}; printf %s $#", v=value), shell) == "1"


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(number=st.integers(min_value=-(10**12), max_value=10**12))
def test_property_integers_go_into_shell_arithmetic(number: int) -> None:
    assert sh(render('echo "$(( ${input.n} + 1 ))"', n=number)) == f"{number + 1}\n"
    assert sh(render("echo $((1-${input.n}))", n=str(number))) == f"{1 - number}\n"
    if bash is not None:  # bash's arithmetic command
        assert sh(render("(( x = ${input.n} )); echo $x", n=number), bash) == f"{number}\n"


def test_non_string_values_are_formatted_then_quoted() -> None:
    values = {"n": 5, "f": 1.5, "b": True, "z": None, "d": {"a": "b c"}, "l": ["x", "y z"]}
    out = sh(
        render(
            "printf '%s|' ${input.n} ${input.f} ${input.b} ${input.z} ${input.d} ${input.l}",
            **values,
        )
    )
    assert out == '5|1.5|true|null|{"a": "b c"}|["x", "y z"]|'


def test_a_command_that_is_only_a_reference() -> None:
    assert render("${input.c}", c="ls -l; id") == "'ls -l; id'"  # one word: a program's name
    assert render("${input.c}", c=["ls", "-l; id"]) == ["ls", "-l; id"]  # argv: no shell at all
    assert render("${raw:input.c}", c="ls -l") == "ls -l"  # the author asked for shell code


def test_author_quotes_around_a_reference_still_hold(tmp_path: Path) -> None:
    for template in ("echo '${input.x}'", 'echo "${input.x}"', "echo x'${input.x}'y"):
        command = render(template, x="'; touch FILE; echo '")
        sh(command, cwd=tmp_path)
        assert not (tmp_path / "FILE").exists(), command


def test_shell_variables_are_left_alone() -> None:
    command = render("X=1; echo $X $${X} ${input.v}", v="$X")
    assert command == "X=1; echo $X ${X} '$X'"
    assert sh(command) == "1 1 $X\n"


# ---- raw -----------------------------------------------------------------------------------------


def test_raw_inserts_shell_code(tmp_path: Path) -> None:
    command = render("${raw:input.code} && echo ${input.x}", code="echo a; echo b", x="c; d")
    assert command == "echo a; echo b && echo 'c; d'"
    assert sh(command, cwd=tmp_path) == "a\nb\nc; d\n"


def test_raw_text_that_opens_a_quote_moves_the_values_after_it() -> None:
    # the raw value opens a single quote: the next value is inside it, and quoted for that
    assert render("echo ${raw:input.r} ${input.x}'", r="'<", x="it's") == "echo '< it'\\''s'"
    with pytest.raises(ReferenceUnusable, match=r"\$\{input\.x\}.*comment"):
        render("echo ${raw:input.r} ${input.x}", r="#", x="$(id)")


def test_markers_are_checked() -> None:
    with pytest.raises(ExpressionError, match="unknown marker 'rwa:'"):
        compile_shell_template("echo ${rwa:input.x}")
    with pytest.raises(ExpressionError, match=r"written env\.NAME"):
        compile_shell_template("echo ${env:HOME}")
    with pytest.raises(ExpressionError, match="only has a meaning in a shell command string"):
        compile_template({"url": "http://x/${raw:input.x}"})
    with pytest.raises(ExpressionError, match="only has a meaning in a shell command string"):
        compile_template({"command": ["echo", "${raw:input.x}"]}, shell_fields={"command"})
    with pytest.raises(ExpressionError, match="only has a meaning"):
        compile_condition("${raw:input.x} == 1")
    assert compile_template({"command": "echo ${ raw : input.x }"}, {"command"}).render(
        {"input": {"x": "$HOME"}}
    ) == {"command": "echo $HOME"}


# ---- where quoting cannot be certain: refused when the workflow is loaded ------------------------

REFUSED = {
    "echo hi # ${input.x}": "comment",
    "echo `echo ${input.x}`": "backquotes",
    'echo "`echo ${input.x}`"': "backquotes",
    "echo $${X:-${input.x}}": "parameter expansion",
    "echo \"$${X:-'${input.x}'}\"": "single quote inside \\$\\{...\\}",
    "echo $'${input.x}'": "\\$'...'",
    "cat <<EOF\n${input.x}\nEOF": "here-document",
    "cat <<EOF\nx\nEOF\necho ${input.x}": "here-document",
    'echo "$(case a in a) echo ;; esac)" ${input.x}': "'case'",
    "echo \\${input.x}": "backslash",
    'echo "\\${input.x}"': "backslash",
    "echo $(( '1' + ${input.x} ))": "quote inside an arithmetic",
}


@pytest.mark.parametrize(("template", "why"), list(REFUSED.items()))
def test_uncertain_places_are_refused(template: str, why: str) -> None:
    with pytest.raises(ExpressionError, match=why) as caught:
        compile_shell_template(template)
    assert caught.value.position == template.index("${input.x}")
    assert "${input.x}" in str(caught.value)


def test_only_integers_go_into_arithmetic() -> None:
    assert render("echo $(( ${input.n} * 2 ))", n="012") == "echo $(( 12 * 2 ))"  # not octal
    assert render("echo $((1-${input.n}))", n=-5) == "echo $((1-(-5)))"
    for bad in ("1+1", "x", "a[$(id)]", "1.5", True, ""):
        with pytest.raises(ReferenceMissing, match="only an integer"):
            render("echo $(( ${input.n} ))", n=bad)


@pytest.mark.skipif(bash is None, reason="bash's arithmetic on words")
def test_bash_arithmetic_on_words_takes_only_integers(tmp_path: Path) -> None:
    # bash evaluates these operands as arithmetic, where a[$(cmd)] runs cmd even when quoted
    assert bash is not None
    for template in ("[[ ${input.n} -eq 1 ]]", '[[ 1 -lt "${input.n}" ]]', "let x=${input.n}"):
        with pytest.raises(ReferenceMissing, match="only an integer"):
            render(template, n="a[$(touch FILE)]")
        sh(render(template + "; echo ok", n="012"), bash, tmp_path)
    assert render("[[ ${input.n} -ge 1 ]] && echo ${input.s}", n="7", s="a b") == (
        "[[ 7 -ge 1 ]] && echo 'a b'"
    )
    # a string comparison takes any value, quoted
    assert render("[[ ${input.s} == x* ]]", s="a[$(id)]") == "[[ 'a[$(id)]' == x* ]]"
    assert not (tmp_path / "FILE").exists()


# ---- the fuzz: no template the analysis accepts lets a value run code ---------------------------

FRAGMENTS = [
    *("echo", " ", "\n", ";", "'", '"', "$(", "(", ")", "((", "))", "$((", "`", "$${", "}"),
    *("#", "\\", "case a in a", "esac", ";;", "<<", "<<<", "x", "$", "&&", "|", ":-", "="),
    *("$'", '$"', "@(", "<(", "[[", "]]", "{", "$$", "f() {", "1", "+", "EOF", "<<'E'\n"),
    *("[[ ", " ]]", " -eq ", " == ", "let ", "x="),
    *("${input.v}", "${input.w}", "${input.n}", "${raw:input.r}"),
]
RAW_VALUES = ["", "x", "echo", "'a'", "'", '"', "#", "\\", "$(", "`", "<<E\n", ")"]
ATTACKS = [
    "$(touch PWNED)",
    "`touch PWNED`",
    "'; touch PWNED; '",
    '"; touch PWNED; "',
    "\ntouch PWNED\n",
    "E\ntouch PWNED\nE",
    "esac; touch PWNED;",
    ") ; touch PWNED; (",
    "a[$(touch PWNED)]",
    "\\",
]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    parts=st.lists(st.sampled_from(FRAGMENTS), min_size=1, max_size=14),
    v=st.sampled_from(ATTACKS),
    w=st.sampled_from(ATTACKS),
    r=st.sampled_from(RAW_VALUES),
)
def test_property_no_accepted_command_runs_a_value(
    parts: list[str], v: str, w: str, r: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    try:
        template = compile_shell_template("".join(parts))
        command = template.render({"input": {"v": v, "w": w, "n": v, "r": r}})
    except (ExpressionError, ReferenceMissing):
        return  # refused: the author gets a clear error, the value never reaches a shell
    if not isinstance(command, str):
        return
    where = tmp_path_factory.mktemp("fuzz")
    for shell in SHELLS:
        subprocess.run(
            [shell, "-c", command], cwd=where, capture_output=True, timeout=10, check=False
        )
        assert not (where / "PWNED").exists(), (shell, command)


# ---- the dashboard's preview -------------------------------------------------------------------


def test_dashboard_preview_of_a_shell_task_quotes_like_the_engine() -> None:
    from harmonia.expressions import preview

    declared = {"command": "echo ${input.x}", "stdin": "${input.x}"}
    shown = preview(declared, {"input": {"x": "$(id)"}}, ("command",))
    assert shown == {"command": "echo '$(id)'", "stdin": "$(id)"}
