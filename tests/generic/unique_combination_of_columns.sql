{% test unique_combination_of_columns(model, combination_of_columns) %}
{{ config(meta={
    'means': 'the same {key} occurs more than once',
    'fix': 'keep one line per {key}: remove the duplicated line, or correct its {key}',
}) }}
-- Fails on every combination of the key columns that occurs more than once.
{{ key_occurrences(model, combination_of_columns) }}
{% endtest %}
