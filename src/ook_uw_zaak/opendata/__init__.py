"""The open-data release: every mart as CSV, Parquet and Excel, with its data
package, DCAT record, licence, citation, changelog, docs and checksums
(opendata/writer.py writes them; opendata/names.py names every file)."""
