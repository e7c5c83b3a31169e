{% macro report_test_failures(results) %}
    {#- After a run, print what every failed data test found: the test, the file
        it guards and the offending rows, so that a failing build says what to fix. -#}
    {%- if execute -%}
        {%- for result in results
            if result.node.resource_type == 'test'
            and result.status in ('fail', 'error', 'warn')
            and result.node.compiled_code is not none
            and result.node.compiled_code | length > 0 -%}
            {%- set node = result.node -%}
            {%- set guarded = graph.nodes.get(node.attached_node) if node.attached_node else none -%}
            {%- set guarded_file = guarded.original_file_path if guarded else 'a singular test' -%}
            {{ log('', info=true) }}
            {{ log('Test ' ~ node.name ~ ' ' ~ result.status | upper ~ ' on ' ~ guarded_file
                   ~ ' (' ~ node.original_file_path ~ ')', info=true) }}
            {%- if result.status != 'error' -%}
                {%- set rows = run_query(
                    'select * from (' ~ node.compiled_code ~ ') as offending_rows limit 20'
                ) -%}
                {{ log('  offending rows (at most 20):', info=true) }}
                {%- for row in rows -%}
                    {%- set cells = [] -%}
                    {%- for column in rows.column_names -%}
                        {%- do cells.append(column ~ '=' ~ row[column]) -%}
                    {%- endfor -%}
                    {{ log('    ' ~ cells | join(', '), info=true) }}
                {%- endfor -%}
            {%- else -%}
                {{ log('  ' ~ result.message, info=true) }}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
{% endmacro %}
