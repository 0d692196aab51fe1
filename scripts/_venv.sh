# shellcheck shell=bash
# Sourced helper: keeps the project's virtual environment (.venv in the repo root) in step with
# pyproject.toml.
#
#   source "<repo>/scripts/_venv.sh"
#   segw_venv dev || exit 1     # pip install -e '.[dev]'  (lint, types, tests)
#   segw_venv ""  || exit 1     # pip install -e '.'       (just the package)
#
# - Creates .venv with `python -m venv` if it is missing, broken, or older than Python 3.11.
#   The interpreter is $SEGATEWAY_PYTHON if set, else the first of python3, python3.14 ...
#   python3.11 that is 3.11 or newer; no suitable interpreter is a clear error.
# - Upgrades pip once per venv (stamp: .venv/.pip-upgraded).
# - Installs the project editable with the requested extras only when pyproject.toml changed
#   since the last install of those extras (stamp: .venv/.installed-<extras>, holding the
#   sha256 of pyproject.toml; "base" stands for no extras).
# - pip runs with -q: routine output is quiet, warnings and errors still show.
# - Concurrent set-ups of the same checkout are serialised with flock(1) when it is available.
# - Puts .venv/bin first on PATH and sets VIRTUAL_ENV, as `activate` would.
# Functions return non-zero on failure instead of exiting, so sourcing this never ends a shell.

SEGW_ROOT="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd -P)"
SEGW_VENV="$SEGW_ROOT/.venv"

_segw_say() { printf 'segateway venv: %s\n' "$*" >&2; }

# Succeeds if "$1" runs and is Python >= 3.11.
_segw_python_ok() {
    "$1" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' >/dev/null 2>&1
}

_segw_python_version() {
    local v
    v="$("$1" -c 'import sys; print("%d.%d.%d" % sys.version_info[:3])' 2>/dev/null)" || true
    printf '%s\n' "${v:-unusable}"
}

# Prints the interpreter to build .venv with, or explains why there is none.
_segw_find_python() {
    local cand seen=""
    if [[ -n "${SEGATEWAY_PYTHON:-}" ]]; then
        if _segw_python_ok "$SEGATEWAY_PYTHON"; then
            printf '%s\n' "$SEGATEWAY_PYTHON"
            return 0
        fi
        _segw_say "SEGATEWAY_PYTHON=$SEGATEWAY_PYTHON is $(_segw_python_version "$SEGATEWAY_PYTHON");" \
            "segateway needs Python >= 3.11"
        return 1
    fi
    for cand in python3 python3.14 python3.13 python3.12 python3.11; do
        command -v "$cand" >/dev/null 2>&1 || continue
        if _segw_python_ok "$cand"; then
            printf '%s\n' "$cand"
            return 0
        fi
        seen+=" $cand=$(_segw_python_version "$cand")"
    done
    _segw_say "no Python >= 3.11 found (saw:${seen:- nothing})."
    _segw_say "Install Python 3.11 or newer (e.g. apt-get install python3 python3-venv)," \
        "or point SEGATEWAY_PYTHON at one."
    return 1
}

_segw_sha256() {
    if command -v sha256sum >/dev/null 2>&1; then
        sha256sum "$1" | cut -d' ' -f1
    else
        "$SEGW_VENV/bin/python" -c \
            'import hashlib, sys; print(hashlib.sha256(open(sys.argv[1], "rb").read()).hexdigest())' \
            "$1"
    fi
}

# Does the work; runs with the lock held. $1: extras ("" or e.g. "dev").
_segw_setup() {
    local extras="$1" py spec stamp want have=""

    # 1. The venv itself.
    if [[ -e "$SEGW_VENV" ]] && ! _segw_python_ok "$SEGW_VENV/bin/python"; then
        _segw_say "$SEGW_VENV is broken or older than Python 3.11; recreating it"
        rm -rf -- "$SEGW_VENV"
    fi
    if [[ ! -e "$SEGW_VENV" ]]; then
        py="$(_segw_find_python)" || return 1
        _segw_say "creating $SEGW_VENV with $py ($(_segw_python_version "$py"))"
        if ! "$py" -m venv "$SEGW_VENV"; then
            rm -rf -- "$SEGW_VENV"
            _segw_say "'$py -m venv' failed (on Debian: apt-get install python3-venv)"
            return 1
        fi
    fi

    # 2. pip, once.
    if [[ ! -f "$SEGW_VENV/.pip-upgraded" ]]; then
        "$SEGW_VENV/bin/python" -m pip install -q --disable-pip-version-check --upgrade pip \
            || { _segw_say "upgrading pip failed"; return 1; }
        : >"$SEGW_VENV/.pip-upgraded"
    fi

    # 3. The project, when pyproject.toml changed since the last install of these extras.
    spec="."
    [[ -n "$extras" ]] && spec=".[$extras]"
    stamp="$SEGW_VENV/.installed-${extras:-base}"
    want="$(_segw_sha256 "$SEGW_ROOT/pyproject.toml")" || return 1
    [[ -f "$stamp" ]] && have="$(<"$stamp")"
    if [[ "$want" != "$have" ]]; then
        _segw_say "installing -e '$spec'"
        (cd "$SEGW_ROOT" && "$SEGW_VENV/bin/python" -m pip install -q --disable-pip-version-check \
            -e "$spec") || { _segw_say "installing -e '$spec' failed"; return 1; }
        printf '%s\n' "$want" >"$stamp"
    fi
}

# Public entry point. $1: extras ("" for none).
segw_venv() {
    local extras="${1-}" lock
    if command -v flock >/dev/null 2>&1; then
        lock="${TMPDIR:-/tmp}/segateway-venv-$(printf '%s' "$SEGW_ROOT" | cksum | cut -d' ' -f1).lock"
        {
            if ! flock -n 9; then
                _segw_say "waiting for another set-up of $SEGW_VENV to finish"
                flock 9
            fi
            _segw_setup "$extras"
        } 9>"$lock" || return 1
    else
        _segw_setup "$extras" || return 1
    fi
    export VIRTUAL_ENV="$SEGW_VENV"
    case ":$PATH:" in
        *":$SEGW_VENV/bin:"*) ;;
        *) export PATH="$SEGW_VENV/bin:$PATH" ;;
    esac
}
