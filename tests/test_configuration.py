"""Every environment variable the code reads is in the README's configuration table, with
what it does and its default, and every variable the table lists is still read."""

import ast
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "src" / "familyview"


def _is_environ(node: ast.AST) -> bool:
    """`os.environ` or a bare `environ`."""
    return (isinstance(node, ast.Attribute) and node.attr == "environ") or (
        isinstance(node, ast.Name) and node.id == "environ"
    )


def _read_name(node: ast.AST) -> ast.AST | None:
    """The name argument if `node` reads the environment: environ.get(X), environ[X], getenv(X).

    `environ.setdefault` is left out: it sets a default for a library, it reads nothing a
    user sets.
    """
    if isinstance(node, ast.Subscript) and _is_environ(node.value):
        return node.slice
    if isinstance(node, ast.Call) and node.args and isinstance(node.func, ast.Attribute):
        if node.func.attr == "get" and _is_environ(node.func.value):
            return node.args[0]
        if node.func.attr == "getenv":
            return node.args[0]
    return None


def variables_read(tree: ast.Module) -> tuple[set[str], list[str]]:
    """The variable names a module reads, and any read whose name cannot be worked out."""
    constants = {
        target.id: node.value.value
        for node in tree.body
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant)
        for target in node.targets
        if isinstance(target, ast.Name) and isinstance(node.value.value, str)
    }
    # Functions that read the variable their caller names (settings' `_flag(name, ...)`).
    readers: dict[str, int] = {}
    for function in ast.walk(tree):
        if isinstance(function, ast.FunctionDef):
            parameters = [a.arg for a in function.args.args]
            for node in ast.walk(function):
                name = _read_name(node)
                if isinstance(name, ast.Name) and name.id in parameters:
                    readers[function.name] = parameters.index(name.id)
    found: set[str] = set()
    unknown: list[str] = []

    def resolve(name: ast.AST, line: int) -> None:
        if isinstance(name, ast.Constant) and isinstance(name.value, str):
            found.add(name.value)
        elif isinstance(name, ast.Name) and name.id in constants:
            found.add(constants[name.id])
        else:
            unknown.append(f"line {line}: {ast.unparse(name)}")

    for node in ast.walk(tree):
        name = _read_name(node)
        if name is not None:
            within_reader = any(
                isinstance(name, ast.Name)
                and isinstance(f, ast.FunctionDef)
                and f.name in readers
                and node in ast.walk(f)
                for f in tree.body
            )
            if not within_reader:
                resolve(name, node.lineno)
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in readers
            and len(node.args) > readers[node.func.id]
        ):
            resolve(node.args[readers[node.func.id]], node.lineno)
    return found, unknown


def code_variables() -> dict[str, str]:
    """Every environment variable read under src/familyview, with the first file reading it."""
    found: dict[str, str] = {}
    unknown: list[str] = []
    for path in sorted(SOURCE.rglob("*.py")):
        names, unresolved = variables_read(ast.parse(path.read_text(encoding="utf-8")))
        where = str(path.relative_to(ROOT))
        for name in names:
            found.setdefault(name, where)
        unknown += [f"{where} {u}" for u in unresolved]
    assert not unknown, f"environment reads whose variable name is not a constant: {unknown}"
    return found


def readme_variables() -> dict[str, list[str]]:
    """The README configuration table: each variable named in the first column, with its row."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("\n## Configuration\n", 1)[1].split("\n## ", 1)[0]
    rows: dict[str, list[str]] = {}
    for line in section.splitlines():
        if not line.startswith("| `"):
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        for name in re.findall(r"`([A-Z][A-Z0-9_]*)`", cells[0]):
            rows[name] = cells
    return rows


def test_the_scan_finds_each_way_of_reading_the_environment():
    tree = ast.parse(
        "import os\n"
        "from os import environ\n"
        "NAME = 'B'\n"
        "def _flag(name, default):\n"
        "    return os.environ.get(name, default)\n"
        "os.environ.get('A')\n"
        "os.environ[NAME]\n"
        "os.getenv('C')\n"
        "environ.get('D')\n"
        "_flag('E', True)\n"
        "os.environ.setdefault('NOT_READ', '1')\n"
    )
    assert variables_read(tree) == ({"A", "B", "C", "D", "E"}, [])
    assert variables_read(ast.parse("import os\nos.environ.get(f'X_{1}')"))[1]


def test_every_environment_variable_the_code_reads_is_in_the_readme():
    read = code_variables()
    assert {"DATABASE_URL", "FAMILYVIEW_VAR_DIR", "FAMILYVIEW_LINKAGE_STORE"} <= set(read)
    assert "FAMILYVIEW_LOCAL_SIGN_IN" in read  # read through settings' `_flag`
    documented = readme_variables()
    missing = {name: where for name, where in read.items() if name not in documented}
    assert not missing, f"read by the code, not in the README's configuration table: {missing}"
    # Each row says what the variable does and its default.
    for name, cells in documented.items():
        assert len(cells) == 3 and all(cells), f"README row for {name} lacks a meaning or default"


def test_every_variable_the_readme_lists_is_read_by_the_code():
    stale = set(readme_variables()) - set(code_variables())
    assert not stale, f"in the README's configuration table, read nowhere: {sorted(stale)}"


def test_an_empty_var_dir_setting_is_the_default_folder_not_the_current_one(tmp_path):
    """`FAMILYVIEW_VAR_DIR=` (set but empty, as a shell line clearing it leaves it) means the
    default folder: it was read as the current folder, so local files (a SQLite database,
    the audit keyring) landed wherever the command was started."""
    shown = subprocess.run(
        [
            sys.executable,
            "-c",
            "import os; os.environ['DJANGO_SETTINGS_MODULE'] = 'familyview.settings'; "
            "from django.conf import settings; print(settings.VAR_DIR)",
        ],
        env={**os.environ, "FAMILYVIEW_VAR_DIR": ""},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    )
    from django.conf import settings

    assert shown.stdout.strip() == str(settings.PROJECT_DIR / "var")
