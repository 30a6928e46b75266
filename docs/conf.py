"""Sphinx configuration of the spikencg documentation.

Build (from the repository root; ``-W`` turns every warning into an error)::

    python -m pip install -e ".[docs]"
    python -m sphinx -W -b html docs docs/_build/html
"""

import os
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))  # the package even when it is not installed
os.environ.setdefault("MPLBACKEND", "Agg")

import spikencg  # noqa: E402

project = "spikencg"
author = "the spikencg developers"
copyright = "2026, the spikencg developers"  # noqa: A001
version = release = spikencg.__version__

extensions = [
    "myst_parser",
    "numpydoc",
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.intersphinx",
    "sphinx.ext.mathjax",
]
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store", "make_pictures.py"]
templates_path = []

# Markdown
myst_enable_extensions = ["dollarmath", "colon_fence", "deflist"]
myst_heading_anchors = 3

# API reference: numpydoc renders the docstrings; autosummary only draws tables (no stub
# files are generated, so a build never writes into the source folder)
autosummary_generate = False
autodoc_default_options = {}
autodoc_member_order = "bysource"
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False

# no network at build time: links to other projects' docs are plain text
intersphinx_mapping = {}
nitpicky = False

html_theme = "alabaster"
html_static_path = ["_static"]
html_theme_options = {
    "description": "Spiking readouts trained with supervised STDP and Neuronal "
                   "Competition Groups, as scikit-learn estimators",
    "fixed_sidebar": True,
    "page_width": "1100px",
}


# -- docstring fixes ----------------------------------------------------------------------
# Fitted attributes end with "_" (``n_iter_``); written bare in a docstring, e.g. in a
# shape "(n_iter_,)", reStructuredText reads ``n_iter_`` as a link to a target. Escape
# the underscore outside inline markup, after numpydoc has rendered the docstring.
_MARKUP = re.compile(r"(``.*?``|`[^`]*`_{0,2}|\*\*.*?\*\*|:\w+:)")
_BARE = re.compile(r"\b([A-Za-z]\w*?)_(?![\w`])")


def _escape_trailing_underscores(app, what, name, obj, options, lines):
    """autodoc-process-docstring hook: ``word_`` -> ``word\\_`` outside inline markup."""
    for i, line in enumerate(lines):
        if line.lstrip().startswith(".."):
            continue  # directives and comments
        parts = _MARKUP.split(line)
        parts[::2] = [_BARE.sub(r"\1\\_", p) for p in parts[::2]]
        lines[i] = "".join(parts)


def _skip_metadata_requests(app, what, name, obj, skip, options):
    """Leave out scikit-learn's generated ``set_*_request`` methods."""
    if name.startswith("set_") and name.endswith("_request"):
        return True
    return None


def setup(app):
    """Connect the docstring hooks (after numpydoc, which runs at priority 500)."""
    app.connect("autodoc-process-docstring", _escape_trailing_underscores, priority=600)
    app.connect("autodoc-skip-member", _skip_metadata_requests)
