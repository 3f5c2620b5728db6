"""The README's example runs as written."""

import re
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_example_runs(capsys):
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)
    assert blocks, "README.md has no python example"
    exec(compile(blocks[0], str(README), "exec"), {})
    out = capsys.readouterr().out
    assert "bilinearnetclassifier__alpha" in out and "masked-zone error" in out


def test_readme_commands_match_ci():
    text = README.read_text()
    ci = (README.parent / ".ci" / "run").read_text()
    test_cmd = next(
        line
        for line in text.splitlines()
        if "pytest" in line and line.startswith("python3 -m venv")
    )
    assert test_cmd.replace("pip install ", "pip install -q ") in ci
