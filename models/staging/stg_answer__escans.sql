{{ stage_period_table(ref('answer_escans'), 'e_scans', 'escans') }}
