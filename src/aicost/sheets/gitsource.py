"""Sheets read from git history: `REV:PATH` (a file or a directory of sheets at a revision).

Git is called with argument lists, never through a shell, and a revision that starts with `-` is
refused so it cannot be taken for an option. The blobs are written to a private temporary
directory (removed at exit) so they load exactly like files on disk.
"""

from __future__ import annotations

import atexit
import posixpath
import shutil
import subprocess
import tempfile
from pathlib import Path

from aicost.model.errors import AicostError
from aicost.sheets.files import MAX_BYTES

_SCRATCH: list[Path] = []


def split_spec(spec: str) -> tuple[str, str]:
    """`HEAD~1:prices` -> ("HEAD~1", "prices"). The path part may be empty (the repository root)."""
    rev, _, path = spec.partition(":")
    return rev, path


def _git(args: list[str], what: str) -> bytes:
    try:
        done = subprocess.run(  # a fixed program and an argument list: no shell
            ["git", *args],
            capture_output=True,
            check=False,
            timeout=60,
        )
    except FileNotFoundError:
        raise AicostError(
            f"{what}: git is not installed", hint="install git or give a file path"
        ) from None
    except subprocess.TimeoutExpired:
        raise AicostError(f"{what}: git did not answer within 60 seconds") from None
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()
        detail = (
            message[-1].removeprefix("fatal: ") if message else f"git exited with {done.returncode}"
        )
        raise AicostError(f"{what}: {detail}")
    return done.stdout


def read_tree(spec: str) -> list[tuple[str, bytes]]:
    """The sheets at `REV:PATH` as (display name, content) pairs, sorted by name."""
    rev, path = split_spec(spec)
    if not rev:
        raise AicostError(
            f"{spec}: no revision before ':'", hint="write REV:PATH, e.g. HEAD~1:prices"
        )
    if rev.startswith("-"):
        raise AicostError(
            f"{spec}: a revision may not start with '-'",
            hint="write a branch, tag or commit, e.g. HEAD~1",
        )
    _git(["rev-parse", "--git-dir"], spec)  # not a repository: git's own message says so
    if not _succeeds(["rev-parse", "--verify", "--quiet", "--end-of-options", f"{rev}^{{commit}}"]):
        raise AicostError(f"{spec}: unknown revision {rev!r}", hint="check `git log` for the name")
    sha = (
        _git(["rev-parse", "--verify", "--end-of-options", f"{rev}^{{commit}}"], spec)
        .decode()
        .strip()
    )
    path = _from_root(path, spec)
    obj = f"{sha}:{path}"
    if not _succeeds(["cat-file", "-e", "--end-of-options", obj]):
        raise AicostError(
            f"{spec}: {path or '.'!r} does not exist at revision {rev}", hint=_hint(rev, sha, path)
        )
    kind_name = _git(["cat-file", "-t", "--end-of-options", obj], spec).decode().strip()
    if kind_name == "blob":
        return [(spec, _blob(obj, spec))]
    if kind_name != "tree":
        raise AicostError(f"{spec}: is a {kind_name}, expected a file or a directory")
    # --full-tree: from a subdirectory git would list only the part of the tree under the same
    # subdirectory. Names in a tree are anyone's bytes: git is asked for them by their exact bytes, and they are
    # shown with control characters escaped
    listing = _git(["ls-tree", "-z", "--full-tree", "--end-of-options", obj], spec).decode(
        "utf-8", "surrogateescape"
    )
    found = []
    for entry in listing.split("\0"):
        if not entry:
            continue
        meta, _, name = entry.partition("\t")
        if meta.split()[1] == "blob" and name.endswith((".yaml", ".yml")):
            shown = f"{rev}:{path + '/' if path else ''}{_printable(name)}"
            found.append((shown, _blob(f"{obj}/{name}", spec)))
    if not found:
        raise AicostError(f"{spec}: directory holds no *.yaml or *.yml files at revision {rev}")
    return sorted(found)


def _from_root(path: str, spec: str) -> str:
    """PATH of REV:PATH from the repository root; `./x` and `../x` are from here, as git reads them."""
    if path not in (".", "..") and not path.startswith(("./", "../")):
        return path.strip("/")
    prefix = _git(["rev-parse", "--show-prefix"], spec).decode("utf-8", "surrogateescape").strip()
    joined = posixpath.normpath(posixpath.join(prefix, path))
    if joined == "..":
        raise AicostError(f"{spec}: the path leads outside the repository")
    if joined.startswith("../"):
        raise AicostError(f"{spec}: the path leads outside the repository")
    return "" if joined == "." else joined


def _hint(rev: str, sha: str, path: str) -> str:
    """Where PATH is, when it was meant from the current directory rather than the root."""
    default = (
        f"`git ls-tree {rev}` lists what is there (paths in REV:PATH are from the repository root)"
    )
    if not _succeeds(["rev-parse", "--is-inside-work-tree"]):
        return default
    prefix = _git(["rev-parse", "--show-prefix"], f"{rev}:{path}").decode().strip().strip("/")
    if prefix and _succeeds(["cat-file", "-e", "--end-of-options", f"{sha}:{prefix}/{path}"]):
        return (
            f"paths in REV:PATH are from the repository root; did you mean "
            f"{rev}:{prefix}/{path} or {rev}:./{path}?"
        )
    return default


def _printable(name: str) -> str:
    """A file name for messages: control characters and undecodable bytes escaped."""
    text = name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def _succeeds(args: list[str]) -> bool:
    try:
        done = subprocess.run(
            ["git", *args],
            capture_output=True,
            check=False,
            timeout=60,
        )
    except (FileNotFoundError, subprocess.TimeoutExpired):
        return True  # let the next git call report the real problem
    return done.returncode == 0


def _blob(obj: str, spec: str) -> bytes:
    size = int(_git(["cat-file", "-s", "--end-of-options", obj], spec).decode().strip() or 0)
    if size > MAX_BYTES:
        raise AicostError(f"{obj}: file is {size:,} bytes; the limit is {MAX_BYTES:,} (10 MiB)")
    return _git(["cat-file", "blob", "--end-of-options", obj], spec)


def materialise(spec: str) -> list[tuple[Path, str]]:
    """`REV:PATH` as (file on disk, display name) pairs, like any other `--prices` source."""
    blobs = read_tree(spec)
    if not _SCRATCH:
        _SCRATCH.append(Path(tempfile.mkdtemp(prefix="aicost-git-")))
        atexit.register(shutil.rmtree, _SCRATCH[0], True)
    folder = Path(tempfile.mkdtemp(dir=_SCRATCH[0]))
    out = []
    for index, (name, content) in enumerate(blobs):
        file = folder / f"{index:04d}.yaml"  # never a name taken from the tree
        file.write_bytes(content)
        out.append((file, name))
    return out


def looks_like_rev(spec: str) -> bool:
    """A spec that names no file is `REV:PATH` when it has a ':' (not a drive letter, C:\\prices).

    What comes before the ':' may be a file too (HEAD in a bare repository): it is still a revision.
    """
    if ":" not in spec:
        return False
    head = spec.partition(":")[0]
    return not (len(head) == 1 and head.isalpha() and spec[2:3] in ("\\", "/"))
