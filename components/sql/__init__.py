"""The SQL workbench's components: the editor, the schema and query lists, the results view."""
