{{ stage_period_table(
    ref('answer_website_visitors'), 'bezoekers', 'website_visitors'
) }}
