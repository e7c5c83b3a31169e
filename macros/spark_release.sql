{#- Publishing on Spark (`ook-uw-zaak build --target spark`, see
    src/ook_uw_zaak/publish/spark.py).

    A publishing build writes every node into scratch schemas <schema>__build_<id>
    (raw, staging, intermediate, marts). Readers use raw, staging, intermediate and
    marts, which hold only views: `<schema>.x` is `select * from
    <schema>__build_<id>.x`. Spark has no transaction over several tables, so a
    release is made visible by repointing these views one by one, each with
    `alter view ... as`: one change of the view in the metastore, so a reader finds
    the view on one release or the other. Not `create or replace view`: on a view
    that exists, Spark drops it and then creates it (CreateViewCommand), and a
    reader in between finds no view at all. The marts schema's properties
    name the release readers see (ook_uw_zaak_release) and the one before it
    (ook_uw_zaak_previous), which a rollback returns to; the scratch schemas of any
    other build are dropped when a release is published. -#}

{% macro spark_release_schema_name(custom_schema_name) -%}
    {{ return(validate_identifier(
        custom_schema_name | trim ~ '__' ~ spark_release_suffix(
            var('release_schema_suffix')),
        'The scratch schema of a publishing build')) }}
{%- endmacro %}


{% macro spark_release_suffix(suffix) -%}
    {#- `suffix`, when it names a publishing build's scratch schemas (build_...). -#}
    {%- do validate_identifier(suffix, 'The var release_schema_suffix') -%}
    {%- if not suffix.startswith('build_') -%}
        {{ exceptions.raise_compiler_error(
            'The release suffix is ' ~ suffix ~ ': a publishing build writes only'
            ~ ' into scratch schemas <schema>__build_...; it is set by'
            ~ ' `ook-uw-zaak build --target spark`, not by hand.') }}
    {%- endif -%}
    {{ return(suffix) }}
{%- endmacro %}


{% macro spark_release_state() -%}
    {#- {'release': ..., 'previous': ...} from the marts schema's properties; none
        where unset (or when there is no marts schema yet). -#}
    {%- set state = {'release': none, 'previous': none} -%}
    {%- if 'marts' in spark_schemas('marts') -%}
        {%- for row in run_query('describe database extended marts') -%}
            {%- if row[0] == 'Properties' -%}
                {%- for key in ('release', 'previous') -%}
                    {%- set found = modules.re.search(
                        '\\(ook_uw_zaak_' ~ key ~ ',(build_[a-z0-9_]+)\\)',
                        row[1] or '') -%}
                    {%- if found -%}
                        {%- do state.update({key: found.group(1)}) -%}
                    {%- endif -%}
                {%- endfor -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    {{ return(state) }}
{%- endmacro %}


{% macro spark_schemas(pattern) -%}
    {%- set names = [] -%}
    {%- for row in run_query("show schemas like '" ~ pattern ~ "'") -%}
        {%- do names.append(row[0]) -%}
    {%- endfor -%}
    {{ return(names) }}
{%- endmacro %}


{% macro spark_relations(schema, views_only=false) -%}
    {#- The names of the tables and views (or the views only) in `schema`. -#}
    {%- set names = [] -%}
    {%- set kind = 'views' if views_only else 'tables' -%}
    {%- for row in run_query('show ' ~ kind ~ ' in ' ~ schema) -%}
        {%- if not row[2] -%}
            {%- do names.append(row[1]) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(names) }}
{%- endmacro %}


{% macro spark_point_views_at(suffix, schemas) -%}
    {#- Repoint every reader's view to the release `suffix`; returns the number of
        views and the seconds between the first and the last repoint. -#}
    {%- set plans = [] -%}
    {%- for schema in schemas -%}
        {%- set source = schema ~ '__' ~ suffix -%}
        {%- if source in spark_schemas(source) -%}
            {%- do spark_release_run('create schema if not exists ' ~ schema) -%}
            {%- set views = spark_relations(schema, views_only=true) -%}
            {%- do plans.append({
                'schema': schema,
                'source': source,
                'names': spark_relations(source),
                'views': views,
                'tables': spark_relations(schema) | reject('in', views) | list,
            }) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- set started = modules.datetime.datetime.now() -%}
    {%- set count = namespace(views=0) -%}
    {%- for plan in plans -%}
        {%- for name in plan.names -%}
            {%- if name in plan.tables -%}
                {#- A table left by a development build (`dbt build --target
                    spark`) in a reader's schema: it gives way to a view. -#}
                {%- do spark_release_run('drop table ' ~ plan.schema ~ '.' ~ name) -%}
            {%- endif -%}
            {#- A view that exists is altered in place (never missing); a new
                one is created. -#}
            {%- do spark_release_run(
                ('alter view ' if name in plan.views else 'create view ')
                ~ plan.schema ~ '.' ~ name
                ~ ' as select * from ' ~ plan.source ~ '.' ~ name) -%}
            {%- set count.views = count.views + 1 -%}
        {%- endfor -%}
    {%- endfor -%}
    {%- set seconds = (modules.datetime.datetime.now() - started).total_seconds() -%}
    {%- for plan in plans -%}
        {#- Views and tables that the release no longer has. -#}
        {%- for name in plan.views + plan.tables if name not in plan.names -%}
            {%- do spark_release_run(
                'drop ' ~ ('view ' if name in plan.views else 'table ')
                ~ plan.schema ~ '.' ~ name) -%}
        {%- endfor -%}
    {%- endfor -%}
    {{ return({'views': count.views, 'seconds': seconds}) }}
{%- endmacro %}


{% macro spark_set_release_state(release, previous) -%}
    {%- set properties = ["'ook_uw_zaak_release' = '" ~ release ~ "'"] -%}
    {%- if previous is not none -%}
        {%- do properties.append("'ook_uw_zaak_previous' = '" ~ previous ~ "'") -%}
    {%- endif -%}
    {%- do spark_release_run(
        'alter schema marts set dbproperties (' ~ properties | join(', ') ~ ')') -%}
{%- endmacro %}


{% macro spark_publish_release(suffix, schemas) -%}
    {#- Make the build `suffix` the release readers see; the one they saw becomes
        the previous release; the scratch schemas of every other build go. -#}
    {%- set suffix = spark_release_suffix(suffix) -%}
    {%- if ('marts__' ~ suffix) not in spark_schemas('marts__' ~ suffix) -%}
        {{ exceptions.raise_compiler_error(
            'The build made no schema marts__' ~ suffix ~ '; nothing was published.') }}
    {%- endif -%}
    {%- set state = spark_release_state() -%}
    {%- set previous = state.release if state.release != suffix else state.previous -%}
    {%- for schema in schemas -%}
        {%- do spark_release_run('create schema if not exists ' ~ schema) -%}
    {%- endfor -%}
    {#- Recorded first: should the repointing stop half-way, a rollback returns
        every view to the release readers saw, and the next build keeps both. -#}
    {%- do spark_set_release_state(suffix, previous) -%}
    {%- set done = spark_point_views_at(suffix, schemas) -%}
    {%- do log('Repointed ' ~ done.views ~ ' views to release ' ~ suffix ~ ' in '
        ~ '%.2f' | format(done.seconds) ~ ' s.', info=true) -%}
    {%- for schema in schemas -%}
        {%- for name in spark_schemas(schema ~ '__build_*') -%}
            {%- if name not in (schema ~ '__' ~ suffix, schema ~ '__' ~ previous) -%}
                {%- do spark_release_run('drop schema ' ~ name ~ ' cascade') -%}
                {%- do log('Dropped ' ~ name ~ '.', info=true) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endfor -%}
{%- endmacro %}


{% macro spark_roll_back_release(schemas) -%}
    {#- Readers return to the previous release; the one they leave becomes the
        previous one (a second rollback undoes the first). -#}
    {%- set state = spark_release_state() -%}
    {%- if state.previous is none
        or ('marts__' ~ state.previous) not in spark_schemas(
            'marts__' ~ state.previous) -%}
        {{ exceptions.raise_compiler_error(
            'There is no previous release to return to; nothing changed.') }}
    {%- endif -%}
    {%- set done = spark_point_views_at(state.previous, schemas) -%}
    {%- do spark_set_release_state(state.previous, state.release) -%}
    {%- do log('Repointed ' ~ done.views ~ ' views to release ' ~ state.previous
        ~ ' in ' ~ '%.2f' | format(done.seconds) ~ ' s.', info=true) -%}
{%- endmacro %}


{% macro spark_release_run(statement) -%}
    {#- A statement without a result set (DDL): run, nothing fetched. Through a
        Thrift server, asking for the (absent) result set of DDL can fail. -#}
    {%- do adapter.execute(statement, auto_begin=false, fetch=false) -%}
{%- endmacro %}
