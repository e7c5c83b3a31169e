{% test non_negative(model, column_name) %}
{{ config(meta={
    'means': 'a count below zero in {column}',
    'fix': 'a count cannot be negative: copy the figure again from the published answer (was a minus sign typed by mistake?)',
}) }}
-- Fails on every row whose count is below zero; a count of people or events
-- cannot be negative, so such a row is a transcription error.
select *
from {{ model }}
where {{ column_name }} < 0
{% endtest %}
