"""The SQL workbench's services: running and cancelling queries, the tables a query sees,
history and saved queries, exports."""
