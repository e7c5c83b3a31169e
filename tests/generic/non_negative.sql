{% test non_negative(model, column_name) %}
-- Fails on every row whose count is below zero; a count of people or events
-- cannot be negative, so such a row is a transcription error.
select *
from {{ model }}
where {{ column_name }} < 0
{% endtest %}
