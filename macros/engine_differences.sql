{#- Where the engines differ, the difference lives here, in macros that dbt
    dispatches on the target's adapter: one implementation per adapter that needs
    its own (default__ serves DuckDB and PostgreSQL), so that the models and the YAML
    stay the same on every engine. Documented in _macros.yml. -#}

{% macro portable_type(type_name) -%}
    {#- The project's type names (those of its YAML and SQL: varchar, integer,
        double precision, date, boolean) as the target's engine spells them. -#}
    {{ return(adapter.dispatch('portable_type', 'ook_uw_zaak')(type_name)) }}
{%- endmacro %}

{% macro default__portable_type(type_name) -%}
    {{ return(type_name) }}
{%- endmacro %}

{% macro spark__portable_type(type_name) -%}
    {#- Spark SQL has no varchar without a length, no text and no "double
        precision": string and double are its names for them. -#}
    {%- set spark_names = {
        'varchar': 'string',
        'text': 'string',
        'double precision': 'double',
    } -%}
    {%- set key = type_name | lower | trim -%}
    {{ return(spark_names.get(key, type_name)) }}
{%- endmacro %}


{% macro spark__cast(field, type) -%}
    {#- dbt's own cast, for Spark: the type name made portable first. dbt's model
        contracts go through cast too, so the YAML's data_type values hold on
        every engine. -#}
    cast({{ field }} as {{ ook_uw_zaak.portable_type(type) }})
{%- endmacro %}


{% macro spark__create_csv_table(model, agate_table) -%}
    {#- Seeds on Spark: the column_types of seeds/_seeds.yml made portable, then
        dbt-spark's own seed table. -#}
    {%- set column_types = model['config'].get('column_types') or {} -%}
    {%- for column_name, type_name in column_types.items() -%}
        {%- do column_types.update({column_name: ook_uw_zaak.portable_type(type_name)}) -%}
    {%- endfor -%}
    {{ return(dbt.spark__create_csv_table(model, agate_table)) }}
{%- endmacro %}


{% macro spark_string_literal(value) -%}
    {#- A value as a Spark SQL string literal, or null. Spark reads a backslash in a
        literal as an escape, so backslashes and quotes are escaped with one. -#}
    {%- if value is none -%}
        null
    {%- else -%}
        '{{ value | string | replace("\\", "\\\\") | replace("'", "\\'") }}'
    {%- endif -%}
{%- endmacro %}


{% macro spark__load_csv_rows(model, agate_table) -%}
    {#- Seeds on Spark: every value sent as an escaped literal. dbt-spark's session
        connection pastes bound values between quotes unescaped, so a seed value
        holding a quote (the answer's) broke the insert, and a backslash was read as
        an escape. Rows go in batches of dbt's seed batch size. -#}
    {%- set column_types = model['config'].get('column_types') or {} -%}
    {%- set statements = [] -%}
    {%- for chunk in agate_table.rows | batch(get_batch_size()) -%}
        {%- set sql -%}
            insert into {{ this.render() }} values
            {%- for row in chunk %}
            (
                {%- for column_name in agate_table.column_names -%}
                    {%- set type_name = column_types.get(
                        column_name, adapter.convert_type(agate_table, loop.index0)) -%}
                    cast({{ ook_uw_zaak.spark_string_literal(row[loop.index0]) }}
                        as {{ ook_uw_zaak.portable_type(type_name) }})
                    {%- if not loop.last %}, {% endif -%}
                {%- endfor -%}
            ){%- if not loop.last %},{% endif -%}
            {%- endfor %}
        {%- endset -%}
        {%- do adapter.add_query(sql, abridge_sql_log=True) -%}
        {%- do statements.append(sql) -%}
    {%- endfor -%}
    {{ return(statements[0] if statements else '') }}
{%- endmacro %}


{% macro string_agg_ordered(measure, delimiter_text, order_by) -%}
    {#- The non-NULL values of measure joined by delimiter_text (a SQL string
        literal) in the order of order_by; NULL when there is none. -#}
    {{ return(adapter.dispatch('string_agg_ordered', 'ook_uw_zaak')(
        measure, delimiter_text, order_by)) }}
{%- endmacro %}

{% macro default__string_agg_ordered(measure, delimiter_text, order_by) -%}
    {{ dbt.listagg(measure, delimiter_text, 'order by ' ~ order_by) }}
{%- endmacro %}

{% macro spark__string_agg_ordered(measure, delimiter_text, order_by) -%}
    {#- Spark's collect_list keeps no order (dbt's listagg ignores order by there)
        and joins nothing into '' rather than NULL: sort (key, value) pairs, keep the
        values, and give NULL when no value is there. -#}
    case
        when count({{ measure }}) > 0
            then array_join(
                transform(
                    array_sort(collect_list(
                        named_struct('sort_key', {{ order_by }}, 'value', {{ measure }})
                    )),
                    entry -> entry.value
                ),
                {{ delimiter_text }}
            )
    end
{%- endmacro %}


{% macro spark__persist_constraints(relation, model) -%}
    {#- Spark enforces no constraint on Parquet tables (Delta tables get dbt-spark's
        own constraints). So that a contract means the same on every engine, the
        table's not_null, unique and primary_key column constraints are checked
        right after it is written, and a broken one fails the model, as DuckDB and
        PostgreSQL refuse the rows. Spark has written the table by then; the failed
        build says so. -#}
    {%- set contract = config.get('contract') -%}
    {%- if contract and contract.enforced -%}
        {%- if config.get('file_format', 'delta') == 'delta' -%}
            {%- do dbt.spark__persist_constraints(relation, model) -%}
        {%- else -%}
            {%- do ook_uw_zaak.check_constraints_on_spark(relation, model) -%}
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}


{% macro check_constraints_on_spark(relation, model) -%}
    {#- Counts, in one query, the rows that break each column constraint of the
        model (NULL for not_null, repeated values for unique and primary_key), and
        raises an error naming the table, the column and the count. -#}
    {%- set checks = [] -%}
    {%- for constraint in model.constraints or [] -%}
        {{ exceptions.raise_compiler_error(
            relation ~ ': the model-level ' ~ constraint.type ~ ' constraint is not'
            ~ ' checked on Spark; write it on its column or add a data test.') }}
    {%- endfor -%}
    {%- for column in model.columns.values() -%}
        {%- for constraint in column.constraints or [] -%}
            {%- set type = constraint.type | string | lower | replace('constrainttype.', '') -%}
            {%- if type == 'not_null' -%}
                {%- do checks.append((column.name, 'not_null',
                    'count(*) - count(' ~ column.name ~ ')')) -%}
            {%- elif type in ('unique', 'primary_key') -%}
                {%- do checks.append((column.name, type,
                    'count(' ~ column.name ~ ') - count(distinct ' ~ column.name ~ ')')) -%}
                {%- if type == 'primary_key' -%}
                    {%- do checks.append((column.name, 'not_null',
                        'count(*) - count(' ~ column.name ~ ')')) -%}
                {%- endif -%}
            {%- else -%}
                {{ exceptions.raise_compiler_error(
                    relation ~ '.' ~ column.name ~ ': a ' ~ type ~ ' constraint is not'
                    ~ ' checked on Spark; add a data test for it.') }}
            {%- endif -%}
        {%- endfor -%}
    {%- endfor -%}
    {%- if checks -%}
        {%- set query -%}
            select
            {%- for check in checks %}
                {{ check[2] }} as broken_{{ loop.index }}{{ ',' if not loop.last }}
            {%- endfor %}
            from {{ relation }}
        {%- endset -%}
        {%- set counts = run_query(query).rows[0] -%}
        {%- set broken = [] -%}
        {%- for check in checks -%}
            {%- if counts[loop.index0] | int > 0 -%}
                {%- do broken.append(check[0] ~ ' (' ~ check[1] ~ '): '
                    ~ counts[loop.index0] ~ ' row(s)') -%}
            {%- endif -%}
        {%- endfor -%}
        {%- if broken -%}
            {{ exceptions.raise_compiler_error(
                'Contract constraints broken in ' ~ relation ~ ': ' ~ broken | join('; ')
                ~ '. Spark does not enforce constraints, so the build checks them after'
                ~ ' writing the table: the table holds the offending rows until a build'
                ~ ' passes. Fix the model or its inputs.') }}
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}
