"""The open-data release: every mart as CSV, Parquet and Excel, with its data
package, DCAT record, licence, citation, changelog, docs and checksums."""

from ook_uw_zaak.opendata.writer import write_release

__all__ = ["write_release"]
