"""docs/index.html: dbt's documentation site as one static page, which the build's
dbt process writes (`dbt docs generate --static`) from the manifest it built with,
against the database it built (dbt/session.py).

dbt pastes the manifest and the catalog as they are into the page's script, so a
description holding `</script>` would end that script and run what follows it as
a script of its own. The release's copy has every `<`, `>` and `&` of the two
documents written as a JSON escape (\\u003c, \\u003e, \\u0026) instead, and the
line and paragraph separators too: the same data for the page's script, nothing
the HTML parser can read as a tag.

The page also shows each column's Dutch description, in its details, as
`description_nl`: the copy's manifest gives every model column the doc block of its
name (column__<name>__nl, opendata/contents.py), which dbt shows only where a
description uses it."""

from __future__ import annotations

import json
from pathlib import Path

from ook_uw_zaak.dbt.session import DOCS_PAGE_NAME
from ook_uw_zaak.opendata import names
from ook_uw_zaak.opendata.contents import dutch_column_descriptions

DOCS_PAGE = Path(names.DOCS_PAGE)
# The documents dbt pastes into the page, from its target folder.
EMBEDDED_DOCUMENTS = ("manifest.json", "catalog.json")
_JSON_ESCAPES = {
    "<": "\\u003c",
    ">": "\\u003e",
    "&": "\\u0026",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}


class DocsError(RuntimeError):
    """dbt did not write the documentation page, or not as expected."""


def copy_docs_page(dbt_target: Path, release_dir: Path) -> Path:
    """Copy the page from dbt's target folder into the release, its embedded
    documents made inert."""
    page = dbt_target / DOCS_PAGE_NAME
    if not page.is_file():
        raise DocsError(
            f"dbt did not write its documentation page ({DOCS_PAGE_NAME}): "
            "`dbt docs generate` failed after the build; what dbt printed is in "
            "dbt-output.txt of the build"
        )
    text = page.read_bytes().decode("utf-8")
    for name in EMBEDDED_DOCUMENTS:
        document = _embedded(dbt_target / name)
        shown = _with_dutch_columns(document) if name == "manifest.json" else document
        text = _escape_embedded(text, document, shown)
    destination = release_dir / DOCS_PAGE
    destination.parent.mkdir(parents=True, exist_ok=True)
    destination.write_bytes(text.encode("utf-8"))
    return destination


def _embedded(document: Path) -> str:
    """The document as dbt pastes it into the page (its text, stripped)."""
    try:
        return document.read_bytes().decode("utf-8").strip()
    except OSError as error:
        raise DocsError(
            f"dbt's target folder lacks {document.name}, which its documentation "
            f"page embeds ({error.strerror}); the page was not published"
        ) from error


def inert_json(document: str) -> str:
    """JSON text that cannot end or open an HTML element where it is embedded:
    every `<`, `>` and `&` (which JSON only holds inside strings) escaped."""
    for character, escape in _JSON_ESCAPES.items():
        document = document.replace(character, escape)
    return document


def _with_dutch_columns(manifest_text: str) -> str:
    """The manifest with each model column's Dutch description as its meta
    description_nl (the page shows a column's meta in its details)."""
    manifest = json.loads(manifest_text)
    dutch = dutch_column_descriptions(manifest)
    for node in manifest.get("nodes", {}).values():
        if node.get("resource_type") != "model":
            continue
        for column in node.get("columns", {}).values():
            if column.get("name") in dutch:
                meta = column.get("meta") or {}
                column["meta"] = {**meta, "description_nl": dutch[column["name"]]}
    return json.dumps(manifest, ensure_ascii=False)


def _escape_embedded(page: str, document: str, shown: str) -> str:
    """The page with the one copy of `document` that dbt pasted replaced by
    `shown` (the same document, or one derived from it), made inert."""
    if page.count(document) != 1:
        raise DocsError(
            f"dbt's documentation page ({DOCS_PAGE_NAME}) does not hold the build's "
            "manifest and catalog as dbt writes them; it was not published. Run the "
            "build again (a changed dbt version may write the page differently)"
        )
    return page.replace(document, inert_json(shown))
