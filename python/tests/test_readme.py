"""The README's Python examples are the example apps the server tests run."""

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    "example",
    [
        "fastapi_app.py",
        "flask_app.py",
        "hybrid_app.py",
        "s2s_client.py",
        "dpop_api.py",
        "mtls_api.py",
        "assertion_api.py",
    ],
)
def test_readme_shows_example(example: str) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    code = (ROOT / "python" / "examples" / example).read_text(encoding="utf-8")
    assert f"```python\n{code.rstrip()}\n```" in readme


@pytest.mark.parametrize("example", ["fastapi_app.py", "flask_app.py"])
def test_example_under_15_code_lines(example: str) -> None:
    # Blank lines are the formatter's, so only lines of code count.
    code = (ROOT / "python" / "examples" / example).read_text(encoding="utf-8")
    assert len([line for line in code.splitlines() if line.strip()]) < 15
