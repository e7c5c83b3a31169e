{% test primary_key(model, column_names) %}
{{ config(meta={
    'means': 'the key ({column_names}) is empty or occurs more than once',
    'fix': 'keep exactly one line per {column_names}, with each of them filled in',
}) }}
-- Fails on every key that is empty in one of its columns or occurs more than
-- once: unique and not_null on the key in one test (one dbt node per key).
{{ key_occurrences(model, column_names, empty_fails=true) }}
{% endtest %}
